import hmac
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.misc import hmac as hmac_tool

CODE_DIGITS = 6
CODE_VALID_MINUTES = 10
# Codes a card may be sent per hour: the holder's inbox is not a target.
CODE_SENDS_PER_HOUR = 5


class CmrMembershipCode(models.Model):
    """A one-time code sent to a card's holder so that a merchant may redeem
    their points: valid a few minutes, used once. Only its keyed hash is
    stored; the holder's e-mail is the only place the code is written."""

    _name = "cmr.membership.code"
    _description = "Redemption One-Time Code"
    _order = "id desc"

    membership_id = fields.Many2one(
        "cmr.membership", string="Card", required=True, index=True, ondelete="cascade"
    )
    agreement_id = fields.Many2one(
        "cmr.alliance.merchant", string="Asked by", ondelete="set null"
    )
    code_hash = fields.Char(required=True, groups="base.group_system")
    expires_at = fields.Datetime(required=True)
    used_date = fields.Datetime(readonly=True)

    @api.model
    def _hash(self, membership, code):
        return hmac_tool(
            self.env(su=True), "cmr-redeem-code", f"{membership.id}:{code}"
        )

    @api.model
    def _issue(self, membership, agreement):
        """A new code for the (locked) card; its older open codes stop
        working. Returns the code in clear, for the holder's message only."""
        now = fields.Datetime.now()
        codes = self.sudo().search([("membership_id", "=", membership.id)])
        if (
            len(codes.filtered(lambda c: c.create_date >= now - timedelta(hours=1)))
            >= CODE_SENDS_PER_HOUR
        ):
            raise UserError(
                self.env._(
                    "Too many codes were sent for this card in the last hour: "
                    "ask for the card PIN or try again later."
                )
            )
        codes.filtered(lambda c: not c.used_date and c.expires_at > now).write(
            {"expires_at": now}
        )
        code = str(secrets.randbelow(10**CODE_DIGITS)).rjust(CODE_DIGITS, "0")
        self.sudo().create(
            {
                "membership_id": membership.id,
                "agreement_id": agreement.id,
                "code_hash": self._hash(membership, code),
                "expires_at": now + timedelta(minutes=CODE_VALID_MINUTES),
            }
        )
        return code

    @api.model
    def _consume(self, membership, code):
        """Use the card's open code equal to ``code``; False when there is
        none. The UPDATE ... WHERE used_date IS NULL makes a code usable once
        even if two counters type it at the same moment: the second waits for
        the first's row, then PostgreSQL refuses it (serialization failure)
        and the retry finds the code used."""
        if not (code.isascii() and code.isdigit() and len(code) == CODE_DIGITS):
            return False
        self.flush_model()
        now = fields.Datetime.now()
        expected = self._hash(membership, code)
        open_codes = self.sudo().search_fetch(
            [
                ("membership_id", "=", membership.id),
                ("used_date", "=", False),
                ("expires_at", ">", now),
            ],
            ["code_hash"],
        )
        match = open_codes.filtered(
            lambda c: hmac.compare_digest(c.code_hash, expected)
        )[:1]
        if not match:
            return False
        used = self.env.execute_query(
            SQL(
                "UPDATE cmr_membership_code SET used_date = %s "
                "WHERE id = %s AND used_date IS NULL RETURNING id",
                now,
                match.id,
            )
        )
        match.invalidate_recordset(["used_date"])
        return bool(used)
