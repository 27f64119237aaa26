//! Neutralise terminal control sequences in untrusted text (container logs, probe output).
