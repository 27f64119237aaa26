#!/usr/bin/env python3
"""Render a terminal screen captured with `tmux capture-pane -p -e` (text + SGR colour
sequences) as an SVG picture: one monospace cell per character, colours and bold kept.

Usage: ansi_to_svg.py CAPTURE.ansi OUT.svg [TITLE]
"""
import html
import re
import sys
import unicodedata

PALETTE = [
    "#1e1e1e", "#e06c75", "#98c379", "#e5c07b", "#61afef", "#c678dd", "#56b6c2", "#d0d0d0",
    "#7f848e", "#ff7b86", "#b5e890", "#ffd68a", "#8cc8ff", "#e2a5f5", "#7fdbe6", "#ffffff",
]
FG, BG = "#d0d0d0", "#1e1e1e"
CELL_W, CELL_H, FONT = 8.4, 17, 14


def xterm256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        v = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (v[n // 36], v[(n // 6) % 6], v[n % 6])
    g = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (g, g, g)


def width(ch):
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def parse(text):
    """Yield rows of (char, fg, bg, bold, dim, underline) cells."""
    rows = []
    st = {"fg": None, "bg": None, "bold": False, "dim": False, "ul": False, "rev": False}
    for line in text.split("\n"):
        cells = []
        i = 0
        while i < len(line):
            m = re.match(r"\x1b\[([0-9;:]*)m", line[i:])
            if m:
                codes = [int(c) if c else 0 for c in re.split("[;:]", m.group(1))] or [0]
                j = 0
                while j < len(codes):
                    c = codes[j]
                    if c == 0:
                        st = {"fg": None, "bg": None, "bold": False, "dim": False, "ul": False, "rev": False}
                    elif c == 1: st["bold"] = True
                    elif c == 2: st["dim"] = True
                    elif c == 4: st["ul"] = True
                    elif c == 7: st["rev"] = True
                    elif c == 22: st["bold"] = st["dim"] = False
                    elif c == 24: st["ul"] = False
                    elif c == 27: st["rev"] = False
                    elif 30 <= c <= 37: st["fg"] = PALETTE[c - 30]
                    elif 90 <= c <= 97: st["fg"] = PALETTE[c - 90 + 8]
                    elif 40 <= c <= 47: st["bg"] = PALETTE[c - 40]
                    elif 100 <= c <= 107: st["bg"] = PALETTE[c - 100 + 8]
                    elif c == 39: st["fg"] = None
                    elif c == 49: st["bg"] = None
                    elif c in (38, 48) and j + 1 < len(codes):
                        key = "fg" if c == 38 else "bg"
                        if codes[j + 1] == 5 and j + 2 < len(codes):
                            st[key] = xterm256(codes[j + 2]); j += 2
                        elif codes[j + 1] == 2 and j + 4 < len(codes):
                            st[key] = "#%02x%02x%02x" % tuple(codes[j + 2:j + 5]); j += 4
                    j += 1
                i += m.end()
                continue
            if line[i] == "\x1b":  # another sequence: skip it
                m = re.match(r"\x1b\[[0-9;?]*[A-Za-z]", line[i:])
                i += m.end() if m else 1
                continue
            fg, bg = st["fg"] or FG, st["bg"] or BG
            if st["rev"]:
                fg, bg = (st["bg"] or BG), (st["fg"] or FG)
            cells.append((line[i], fg, bg, st["bold"], st["dim"], st["ul"]))
            if width(line[i]) == 2:
                cells.append(("", fg, bg, False, False, False))
            i += 1
        rows.append(cells)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def svg(rows, title):
    cols = max((len(r) for r in rows), default=0)
    pad, bar = 12, 28
    w, h = cols * CELL_W + 2 * pad, len(rows) * CELL_H + 2 * pad + bar
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
           f'viewBox="0 0 {w:.0f} {h:.0f}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" '
           f'font-size="{FONT}">',
           f'<rect width="100%" height="100%" rx="8" fill="{BG}"/>',
           '<circle cx="18" cy="14" r="5" fill="#ff5f56"/><circle cx="34" cy="14" r="5" fill="#ffbd2e"/>'
           '<circle cx="50" cy="14" r="5" fill="#27c93f"/>',
           f'<text x="{w / 2:.0f}" y="18" fill="#9da5b4" text-anchor="middle" font-size="12">{html.escape(title)}</text>']
    for y, r in enumerate(rows):
        top = bar + pad + y * CELL_H
        for x, (ch, fg, bg, bold, dim, ul) in enumerate(r):
            if bg != BG:
                out.append(f'<rect x="{pad + x * CELL_W:.1f}" y="{top:.1f}" width="{CELL_W + 0.6:.1f}" '
                           f'height="{CELL_H}" fill="{bg}"/>')
        x = 0
        while x < len(r):  # group runs of equal style into one <text>
            ch, fg, bg, bold, dim, ul = r[x]
            run = ""
            start = x
            while x < len(r) and r[x][1:] == (fg, bg, bold, dim, ul):
                run += r[x][0] if r[x][0] else ""
                x += 1
            if run.strip():
                attrs = f'fill="{fg}"'
                if bold: attrs += ' font-weight="bold"'
                if dim: attrs += ' fill-opacity="0.6"'
                if ul: attrs += ' text-decoration="underline"'
                out.append(f'<text x="{pad + start * CELL_W:.1f}" y="{top + CELL_H - 4:.1f}" {attrs} '
                           f'xml:space="preserve" textLength="{(x - start) * CELL_W:.1f}" '
                           f'lengthAdjust="spacingAndGlyphs">{html.escape(run)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    text = open(sys.argv[1], encoding="utf-8").read()
    title = sys.argv[3] if len(sys.argv) > 3 else "devctl"
    open(sys.argv[2], "w", encoding="utf-8").write(svg(parse(text), title))
