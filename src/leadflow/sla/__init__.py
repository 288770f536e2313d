"""SLA clocks: deadlines per stage in business time, and the sweeper that escalates breaches."""
