"""What every layer of the core shares: errors, progress, interrupts, printable text,
the audit log."""
