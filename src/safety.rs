//! The safety gate. Pure core: classify an argv, build the deletion plan, decide by policy.
//! Its I/O edges are tiny: the typed prompt and the audit log.
