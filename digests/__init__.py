"""What goes out on a schedule, and sending it: digest builders, copy templates, the schedule
and the delivery ledger's use."""
