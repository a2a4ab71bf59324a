from . import test_contact_gate
from . import test_charter_ledger
from . import test_contact_send
from . import test_portal
from . import test_security
from . import test_tier_evaluation
from . import test_tier_rules
from . import test_tier_portal
