"""Reports for supervisors: the figures of a period, and which reports are due and sent."""
