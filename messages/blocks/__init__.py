"""The one place that builds Block Kit, shared by commands, digests and App Home,
so a service line looks the same wherever it appears."""
