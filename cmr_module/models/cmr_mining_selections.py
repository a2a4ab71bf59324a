"""The mining center's selections, defined once: the activity rows, their
history, the reports and the partner import them."""

ACTIVITY_STATES = [
    ("active", "Active"),
    ("at_risk", "At Risk"),
    ("churned", "Churned"),
]
EVENTS = [
    ("at_risk", "Entered at risk"),
    ("churned", "Churned"),
    ("won_back", "Won back"),
    ("recovered", "Recovered from risk"),
]
