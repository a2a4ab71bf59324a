"""The complaint desk's selections, defined once: the complaint, its
category, its report and the teams' dashboard import them."""

CHANNELS_RECEIVED = [
    ("phone", "Phone"),
    ("email", "E-mail"),
    ("portal", "Portal"),
    ("counter", "Counter"),
    ("visit", "Visit"),
    ("wechat", "WeChat"),
]
FACTOR_TYPES = [
    ("basic", "Basic"),
    ("value", "Value"),
    ("dissatisfaction", "Dissatisfaction"),
    ("secondary", "Secondary"),
]
PRIORITIES = [("0", "Normal"), ("1", "High"), ("2", "Urgent")]
STATES = [
    ("new", "New"),
    ("acknowledged", "Acknowledged"),
    ("in_progress", "In Progress"),
    ("reopened", "Reopened"),
    ("answered", "Answered"),
    ("closed", "Closed"),
]
OPEN_STATES = ("new", "acknowledged", "in_progress", "reopened")
