"""The customer's timeline: every touch between the company and a customer,
newest first, merged from one source method per feature.

Each source is one SQL statement per page, whatever the number of events:
it selects the standard event columns (``date``, ``key``, ``kind``,
``channel``, ``who``, ``title``, ``detail``, ``amount``, ``currency``,
``res_model``, ``res_id``, ``internal``) for the customer's partners, and
``_fetch`` wraps it with the filters, the keyset condition and the limit.
Pages are cut on ``(date, rank, key)``: ``rank`` orders the sources, ``key``
is unique within a source (a source that unites several tables multiplies
its ids by ``KEY_BRANCHES`` and adds the branch), so that no event is
skipped or repeated between pages even when several share a date.

Another addon adds a source with ``_inherit = "cmr.timeline"``: a method
``_source_x(query)`` returning ``self._fetch(query, SQL(...))``, its entry in
``_sources`` and its kinds in ``_kinds``.
"""

import re
from collections import namedtuple
from datetime import datetime

from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL, html2plaintext

# A source uniting several tables numbers their rows id * KEY_BRANCHES + branch.
KEY_BRANCHES = 8
PAGE_SIZE = 50
PAGE_SIZE_MAX = 200
SUMMARY_MAX = 300
CURSOR_PATTERN = re.compile(
    r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)_(\d{1,4})_(\d{1,18})$"
)

TimelineQuery = namedtuple(
    "TimelineQuery",
    "partner_ids company_ids limit cursor kinds channels date_from date_to "
    "portal lang rank",
)


class CmrTimeline(models.AbstractModel):
    _name = "cmr.timeline"
    _description = "Customer Timeline Engine"

    # ------------------------------------------------------------------
    # Extension points
    # ------------------------------------------------------------------
    @api.model
    def _sources(self):
        """``{source: (rank, method)}``: the sources merged on the timeline.
        The rank orders events of one moment and must be unique.

        The care programme (R5: visits and gifts given) comes last.
        """
        return {
            "sale": (10, "_source_sale"),
            "account": (20, "_source_account"),
            "contact": (30, "_source_contact"),
            "charter": (40, "_source_charter"),
            "tier": (50, "_source_tier"),
            "points": (60, "_source_points"),
            "complaint": (70, "_source_complaint"),
            "suggestion": (80, "_source_suggestion"),
            "message": (90, "_source_message"),
            "care": (100, "_source_care"),
        }

    @api.model
    def _kinds(self):
        """``[(kind, label, source)]``, in the order the filters offer them."""
        return [
            ("quotation", self.env._("Quotation"), "sale"),
            ("sale_order", self.env._("Sales Order"), "sale"),
            ("sale_cancel", self.env._("Cancelled Order"), "sale"),
            ("invoice", self.env._("Invoice"), "account"),
            ("credit_note", self.env._("Credit Note"), "account"),
            ("payment", self.env._("Payment"), "account"),
            ("contact_made", self.env._("Contact Made"), "contact"),
            (
                "contact_refused",
                self.env._("Contact Refused by the Charter"),
                "contact",
            ),
            ("charter", self.env._("Charter Change"), "charter"),
            ("consent", self.env._("Consent"), "charter"),
            ("tier", self.env._("Tier Change"), "tier"),
            ("points_earn", self.env._("Points Earned"), "points"),
            ("points_redeem", self.env._("Points Redeemed"), "points"),
            ("points_expire", self.env._("Points Expired"), "points"),
            ("points_adjust", self.env._("Points Adjusted"), "points"),
            ("complaint", self.env._("Complaint Filed"), "complaint"),
            ("complaint_step", self.env._("Complaint Step"), "complaint"),
            ("complaint_handover", self.env._("Complaint Handover"), "complaint"),
            ("suggestion", self.env._("Suggestion Submitted"), "suggestion"),
            ("suggestion_answer", self.env._("Suggestion Answered"), "suggestion"),
            ("suggestion_decision", self.env._("Suggestion Decided"), "suggestion"),
            ("message", self.env._("Message"), "message"),
            ("note", self.env._("Internal Note"), "message"),
            ("care_request", self.env._("Care Visit Requested"), "care"),
            ("care_scheduled", self.env._("Care Visit Scheduled"), "care"),
            ("care_done", self.env._("Care Visit Done"), "care"),
            ("care_cancelled", self.env._("Care Visit Cancelled"), "care"),
            ("care_missed", self.env._("Care Visit Missed"), "care"),
            ("care_gift", self.env._("Gift Given"), "care"),
        ]

    @api.model
    def _channels(self):
        """``[(channel, label)]``: the addon's channels and the others."""
        channels = [
            (channel.code, channel.name)
            for channel in self.env["cmr.channel"]
            .sudo()
            .with_context(active_test=False)
            .search([])
        ]
        known = {code for code, _label in channels}
        extra = [
            ("sales", self.env._("Sales")),
            ("accounting", self.env._("Accounting")),
            ("portal", self.env._("Portal")),
            ("backend", self.env._("Backend")),
            ("import", self.env._("Import")),
            ("api", self.env._("API")),
            ("system", self.env._("System")),
            ("counter", self.env._("Counter")),
            ("note", self.env._("Internal Note")),
        ]
        return channels + [(code, label) for code, label in extra if code not in known]

    # ------------------------------------------------------------------
    # Paging
    # ------------------------------------------------------------------
    @api.model
    def _partners_of(self, partner):
        """The customer's partners: the commercial partner and its contacts."""
        commercial = partner.sudo().commercial_partner_id
        return (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "child_of", commercial.id)])
        )

    @api.model
    def _check_reader(self, partner):
        """Staff of the addon read any customer's timeline (internal events
        included); anybody else only their own company's, without them.
        Returns whether the reader sees the customer's side only. A caller
        in sudo (an export job) has checked who it works for."""
        if self.env.su or self.env.user.has_group("cmr_module.group_cmr_user"):
            return False
        own = self.env.user.partner_id.commercial_partner_id
        if partner.sudo().commercial_partner_id != own:
            raise AccessError(self.env._("You can only read your own timeline."))
        return True

    @api.model
    def parse_cursor(self, value):
        """``(date, rank, key)`` from its text form, or None; a malformed
        cursor is refused (it comes from a URL)."""
        if not value:
            return None
        match = CURSOR_PATTERN.match(value)
        try:
            date = match and datetime.fromisoformat(match.group(1))
        except ValueError:
            date = None
        if not date:
            raise ValidationError(
                self.env._("This page of the timeline does not exist.")
            )
        return (date, int(match.group(2)), int(match.group(3)))

    @api.model
    def format_cursor(self, cursor):
        if not cursor:
            return ""
        return f"{cursor[0].isoformat()}_{cursor[1]}_{cursor[2]}"

    @api.model
    def _page(
        self,
        partner,
        limit=PAGE_SIZE,
        cursor=None,
        kinds=None,
        channels=None,
        date_from=None,
        date_to=None,
        portal=None,
    ):
        """One page of the customer's timeline, newest first.

        ``partner`` is any partner of the customer; ``cursor`` the ``next``
        of the previous page. Returns ``{"events": [...], "next": cursor or
        None}``; each event is a dict with ``date``, ``kind``,
        ``kind_label``, ``channel``, ``channel_label``, ``who``, ``summary``,
        ``res_model``, ``res_id``, ``internal``, ``url`` (backend) and
        ``portal_url``. Customers (``portal``) never get internal events.
        """
        portal = self._check_reader(partner) or bool(portal)
        # The sources read the tables in SQL: pending ORM writes first.
        self.env.flush_all()
        limit = max(1, min(int(limit or PAGE_SIZE), PAGE_SIZE_MAX))
        partners = self._partners_of(partner)
        kind_sources = {}
        for kind, _label, source in self._kinds():
            kind_sources.setdefault(source, []).append(kind)
        events = []
        for source, (rank, method) in self._sources().items():
            source_kinds = kind_sources.get(source, [])
            if kinds:
                source_kinds = [kind for kind in source_kinds if kind in kinds]
                if not source_kinds:
                    continue
            query = TimelineQuery(
                partner_ids=partners.ids,
                company_ids=self.env.companies.ids,
                limit=limit + 1,
                cursor=cursor,
                kinds=list(kinds) if kinds else None,
                channels=list(channels) if channels else None,
                date_from=date_from,
                date_to=date_to,
                portal=portal,
                lang=self.env.lang or "en_US",
                rank=rank,
            )
            for row in getattr(self, method)(query):
                row["rank"] = rank
                row["source"] = source
                events.append(row)
        events.sort(key=lambda e: (e["date"], e["rank"], e["key"]), reverse=True)
        page = events[:limit]
        next_cursor = None
        if len(events) > limit:
            last = page[-1]
            next_cursor = (last["date"], last["rank"], last["key"])
        if not portal and not self.env.su:
            # The page is cut first, so that paging stays exact.
            page = self._readable(page)
        self._decorate(page)
        return {"events": page, "next": next_cursor}

    @api.model
    def _readable(self, events):
        """The events whose document the staff member may read (their access
        rights and record rules): one query per model on the page. Events
        without a document are kept."""
        by_model = {}
        for event in events:
            if event.get("res_model") and event.get("res_id"):
                by_model.setdefault(event["res_model"], set()).add(event["res_id"])
        readable = {}
        for model, ids in by_model.items():
            if model not in self.env:
                readable[model] = set()
                continue
            Model = self.env[model].with_context(active_test=False)
            readable[model] = (
                set(Model.search([("id", "in", list(ids))]).ids)
                if Model.has_access("read")
                else set()
            )
        return [
            event
            for event in events
            if not (event.get("res_model") and event.get("res_id"))
            or event["res_id"] in readable[event["res_model"]]
        ]

    @api.model
    def _fetch(self, query, select):
        """Run a source's ``select`` for one page: the keyset condition,
        the filters and the limit around it, in one statement."""
        conditions = [SQL("TRUE")]
        if query.portal:
            conditions.append(SQL("ev.internal IS NOT TRUE"))
        if query.kinds:
            conditions.append(SQL("ev.kind = ANY(%s)", query.kinds))
        if query.channels:
            conditions.append(SQL("ev.channel = ANY(%s)", query.channels))
        if query.date_from:
            conditions.append(SQL("ev.date >= %s", query.date_from))
        if query.date_to:
            conditions.append(SQL("ev.date < %s", query.date_to))
        if query.cursor:
            date, rank, key = query.cursor
            conditions.append(
                SQL("(ev.date, %s, ev.key) < (%s, %s, %s)", query.rank, date, rank, key)
            )
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT ev.* FROM (%s) ev
                 WHERE ev.date IS NOT NULL AND %s
              ORDER BY ev.date DESC, ev.key DESC
                 LIMIT %s
                """,
                select,
                SQL(" AND ").join(conditions),
                query.limit,
            )
        )
        return rows

    @api.model
    def _company_filter(self, query, column):
        return SQL("(%s IS NULL OR %s = ANY(%s))", column, column, query.company_ids)

    @api.model
    def _translated(self, query, column):
        """The text of a translatable (jsonb) column in the reader's language."""
        return SQL("COALESCE(%s->>%s, %s->>'en_US')", column, query.lang, column)

    # ------------------------------------------------------------------
    # Presentation (no query per event)
    # ------------------------------------------------------------------
    @api.model
    def _decorate(self, events):
        kind_labels = {kind: label for kind, label, _source in self._kinds()}
        channel_labels = dict(self._channels())
        for event in events:
            event["kind_label"] = kind_labels.get(event["kind"], event["kind"])
            event["channel_label"] = channel_labels.get(
                event["channel"], event["channel"] or ""
            )
            event["summary"] = self._summary(event)[:SUMMARY_MAX]
            event["url"] = (
                f"/odoo/{event['res_model']}/{event['res_id']}"
                if event.get("res_model") and event.get("res_id")
                else False
            )
            event["portal_url"] = self._portal_url(event)
            event["internal"] = bool(event.get("internal"))

    @api.model
    def _summary(self, event):
        """The line shown for an event, from its columns."""
        parts = [event.get("title") or ""]
        labels = self._detail_labels().get(event["kind"])
        if labels and event.get("detail"):
            event["detail"] = labels.get(event["detail"], event["detail"])
        if event.get("detail"):
            detail = event["detail"]
            if isinstance(detail, str) and "<" in detail:
                detail = html2plaintext(Markup(detail))
            parts.append(str(detail).strip())
        if event.get("amount") is not None:
            amount = event["amount"]
            parts.append(f"{amount:,.2f} {event.get('currency') or ''}".strip())
        return " · ".join(part for part in parts if part)

    @api.model
    def _detail_labels(self):
        """``{kind: {technical value: label}}`` for sources whose detail is
        a selection's key."""
        stage = self.env["cmr.suggestion"]._fields["stage"]
        return {"suggestion_decision": dict(stage._description_selection(self.env))}

    @api.model
    def _portal_url(self, event):
        """Where the customer sees the event's document, if anywhere."""
        res_model, res_id = event.get("res_model"), event.get("res_id")
        if not res_id:
            return False
        urls = {
            "sale.order": "/my/orders/%s",
            "account.move": "/my/invoices/%s",
            "cmr.complaint": "/my/complaints/%s",
            "cmr.suggestion": "/my/suggestions/%s",
            "cmr.care.visit": "/my/care/visits/%s",
        }
        pages = {
            "cmr.care.gift": "/my/care",
            "cmr.charter.log": "/my/preferences",
            "cmr.tier.history": "/my/tier",
            "cmr.points.line": "/my/cards",
        }
        if res_model in urls:
            return urls[res_model] % res_id
        return pages.get(res_model, False)

    # ------------------------------------------------------------------
    # Sources (one statement each)
    # ------------------------------------------------------------------
    @api.model
    def _who(self, user_column):
        """The name of the user in ``user_column``, for the ``who`` column."""
        return SQL(
            "(SELECT p.name FROM res_users u JOIN res_partner p ON p.id = u.partner_id"
            " WHERE u.id = %s)",
            user_column,
        )

    @api.model
    def _source_sale(self, query):
        return self._fetch(
            query,
            SQL(
                """
                SELECT so.date_order AS date, so.id AS key,
                       CASE WHEN so.state = 'sale' THEN 'sale_order'
                            WHEN so.state = 'cancel' THEN 'sale_cancel'
                            ELSE 'quotation' END AS kind,
                       'sales' AS channel, %(who)s AS who,
                       so.name AS title, NULL AS detail,
                       so.amount_total AS amount, cur.name AS currency,
                       'sale.order' AS res_model, so.id AS res_id,
                       so.state = 'draft' AS internal
                  FROM sale_order so
                  JOIN res_currency cur ON cur.id = so.currency_id
                 WHERE so.partner_id = ANY(%(partners)s) AND %(company)s
                """,
                who=self._who(SQL("so.user_id")),
                partners=query.partner_ids,
                company=self._company_filter(query, SQL("so.company_id")),
            ),
        )

    @api.model
    def _source_account(self, query):
        return self._fetch(
            query,
            SQL(
                """
                SELECT COALESCE(am.invoice_date::timestamp, am.create_date) AS date,
                       am.id * %(branches)s AS key,
                       CASE WHEN am.move_type = 'out_refund' THEN 'credit_note'
                            ELSE 'invoice' END AS kind,
                       'accounting' AS channel, %(who)s AS who,
                       am.name AS title, NULL AS detail,
                       am.amount_total AS amount, cur.name AS currency,
                       'account.move' AS res_model, am.id AS res_id,
                       am.state <> 'posted' AS internal
                  FROM account_move am
                  JOIN res_currency cur ON cur.id = am.currency_id
                 WHERE am.partner_id = ANY(%(partners)s)
                   AND am.move_type IN ('out_invoice', 'out_refund')
                   AND am.state <> 'cancel' AND %(move_company)s
                 UNION ALL
                SELECT ap.date::timestamp,
                       ap.id * %(branches)s + 1,
                       'payment', 'accounting', %(pay_who)s,
                       ap.name, NULL, ap.amount, cur.name,
                       'account.payment', ap.id,
                       ap.state NOT IN ('in_process', 'paid')
                  FROM account_payment ap
                  JOIN res_currency cur ON cur.id = ap.currency_id
                 WHERE ap.partner_id = ANY(%(partners)s)
                   AND ap.partner_type = 'customer'
                   AND ap.state NOT IN ('canceled', 'rejected') AND %(pay_company)s
                """,
                branches=KEY_BRANCHES,
                who=self._who(SQL("am.invoice_user_id")),
                pay_who=self._who(SQL("ap.create_uid")),
                partners=query.partner_ids,
                move_company=self._company_filter(query, SQL("am.company_id")),
                pay_company=self._company_filter(query, SQL("ap.company_id")),
            ),
        )

    @api.model
    def _source_contact(self, query):
        return self._fetch(
            query,
            SQL(
                """
                SELECT COALESCE(c.date, c.create_date) AS date, c.id AS key,
                       CASE WHEN c.state = 'refused' THEN 'contact_refused'
                            ELSE 'contact_made' END AS kind,
                       ch.code AS channel, %(who)s AS who,
                       c.subject AS title, c.body AS detail,
                       NULL::numeric AS amount, NULL AS currency,
                       'cmr.contact' AS res_model, c.id AS res_id,
                       c.state = 'refused' AS internal
                  FROM cmr_contact c
                  JOIN cmr_channel ch ON ch.id = c.channel_id
                 WHERE c.partner_id = ANY(%(partners)s)
                   AND c.state IN ('sent', 'to_deliver', 'refused') AND %(company)s
                """,
                who=self._who(SQL("c.user_id")),
                partners=query.partner_ids,
                company=self._company_filter(query, SQL("c.company_id")),
            ),
        )

    @api.model
    def _source_charter(self, query):
        return self._fetch(
            query,
            SQL(
                """
                SELECT l.date AS date, l.id AS key,
                       CASE WHEN l.consent IS NOT NULL THEN 'consent'
                            ELSE 'charter' END AS kind,
                       l.source AS channel, %(who)s AS who,
                       l.item AS title,
                       CONCAT_WS(' → ', NULLIF(l.old_value, ''),
                                 NULLIF(l.new_value, '')) AS detail,
                       NULL::numeric AS amount, NULL AS currency,
                       'cmr.charter.log' AS res_model, l.id AS res_id,
                       FALSE AS internal
                  FROM cmr_charter_log l
                 WHERE l.partner_id = ANY(%(partners)s) AND %(company)s
                """,
                who=self._who(SQL("l.user_id")),
                partners=query.partner_ids,
                company=self._company_filter(query, SQL("l.company_id")),
            ),
        )

    @api.model
    def _source_tier(self, query):
        return self._fetch(
            query,
            SQL(
                """
                SELECT h.date AS date, h.id AS key, 'tier' AS kind,
                       CASE WHEN h.reason = 'evaluation' THEN 'system'
                            ELSE 'backend' END AS channel,
                       %(who)s AS who,
                       CONCAT_WS(' → ', %(from_name)s, %(to_name)s) AS title,
                       NULL AS detail, NULL::numeric AS amount, NULL AS currency,
                       'cmr.tier.history' AS res_model, h.id AS res_id,
                       FALSE AS internal
                  FROM cmr_tier_history h
             LEFT JOIN cmr_tier ft ON ft.id = h.from_tier_id
             LEFT JOIN cmr_tier tt ON tt.id = h.to_tier_id
                 WHERE h.partner_id = ANY(%(partners)s) AND %(company)s
                """,
                who=self._who(SQL("h.user_id")),
                from_name=self._translated(query, SQL("ft.name")),
                to_name=self._translated(query, SQL("tt.name")),
                partners=query.partner_ids,
                company=self._company_filter(query, SQL("h.company_id")),
            ),
        )

    @api.model
    def _source_points(self, query):
        return self._fetch(
            query,
            SQL(
                """
                SELECT l.date AS date, l.id AS key, 'points_' || l.kind AS kind,
                       'system' AS channel, %(who)s AS who,
                       CONCAT(CASE WHEN l.points > 0 THEN '+' ELSE '' END,
                              l.points, ' · ', %(alliance)s) AS title,
                       l.reference AS detail,
                       NULL::numeric AS amount, NULL AS currency,
                       'cmr.points.line' AS res_model, l.id AS res_id,
                       FALSE AS internal
                  FROM cmr_points_line l
             LEFT JOIN cmr_alliance a ON a.id = l.alliance_id
                 WHERE l.partner_id = ANY(%(partners)s) AND %(company)s
                """,
                who=self._who(SQL("l.user_id")),
                alliance=self._alliance_name(query),
                partners=query.partner_ids,
                company=self._company_filter(query, SQL("l.company_id")),
            ),
        )

    @api.model
    def _alliance_name(self, query):
        field = self.env["cmr.alliance"]._fields["name"]
        if field.translate:
            return self._translated(query, SQL("a.name"))
        return SQL("a.name")

    @api.model
    def _source_complaint(self, query):
        """The complaint as filed, each change of its state, and (staff
        only) its handovers."""
        state_field = self.env["ir.model.fields"]._get("cmr.complaint", "state")
        return self._fetch(
            query,
            SQL(
                """
                SELECT c.date_received AS date, c.id * %(branches)s AS key,
                       'complaint' AS kind, c.channel_received AS channel,
                       %(who)s AS who, c.name AS title, c.subject AS detail,
                       NULL::numeric AS amount, NULL AS currency,
                       'cmr.complaint' AS res_model, c.id AS res_id,
                       FALSE AS internal
                  FROM cmr_complaint c
                 WHERE c.partner_id = ANY(%(partners)s) AND %(company)s
                 UNION ALL
                SELECT m.date, v.id * %(branches)s + 1, 'complaint_step',
                       'backend', author.name, c.name,
                       CONCAT_WS(' → ', v.old_value_char, v.new_value_char),
                       NULL::numeric, NULL, 'cmr.complaint', c.id, FALSE
                  FROM mail_tracking_value v
                  JOIN mail_message m ON m.id = v.mail_message_id
                  JOIN cmr_complaint c ON c.id = m.res_id
             LEFT JOIN res_partner author ON author.id = m.author_id
                 WHERE m.model = 'cmr.complaint' AND v.field_id = %(state_field)s
                   AND c.partner_id = ANY(%(partners)s) AND %(company)s
                 UNION ALL
                SELECT h.create_date, h.id * %(branches)s + 2, 'complaint_handover',
                       'backend', %(handover_who)s, c.name, h.reason,
                       NULL::numeric, NULL, 'cmr.complaint', c.id, TRUE
                  FROM cmr_complaint_handover h
                  JOIN cmr_complaint c ON c.id = h.complaint_id
                 WHERE c.partner_id = ANY(%(partners)s) AND %(company)s
                """,
                branches=KEY_BRANCHES,
                who=self._who(SQL("c.user_id")),
                handover_who=self._who(SQL("h.from_user_id")),
                state_field=state_field.id,
                partners=query.partner_ids,
                company=self._company_filter(query, SQL("c.company_id")),
            ),
        )

    @api.model
    def _source_suggestion(self, query):
        """Suggestions submitted, answered and decided."""
        return self._fetch(
            query,
            SQL(
                """
                SELECT s.date_submitted AS date, s.id * %(branches)s AS key,
                       'suggestion' AS kind, 'portal' AS channel,
                       p.name AS who, s.name AS title, NULL AS detail,
                       NULL::numeric AS amount, NULL AS currency,
                       'cmr.suggestion' AS res_model, s.id AS res_id,
                       FALSE AS internal
                  FROM cmr_suggestion s
                  JOIN res_partner p ON p.id = s.partner_id
                 WHERE s.partner_id = ANY(%(partners)s) AND %(company)s
                 UNION ALL
                SELECT s.answer_date, s.id * %(branches)s + 1, 'suggestion_answer',
                       'backend', %(who)s, s.name, s.answer,
                       NULL::numeric, NULL, 'cmr.suggestion', s.id, FALSE
                  FROM cmr_suggestion s
                 WHERE s.partner_id = ANY(%(partners)s) AND %(company)s
                   AND s.answer_date IS NOT NULL
                 UNION ALL
                SELECT s.decision_date, s.id * %(branches)s + 2, 'suggestion_decision',
                       'backend', %(who)s, s.name, s.stage,
                       NULL::numeric, NULL, 'cmr.suggestion', s.id, FALSE
                  FROM cmr_suggestion s
                 WHERE s.partner_id = ANY(%(partners)s) AND %(company)s
                   AND s.decision_date IS NOT NULL
                """,
                branches=KEY_BRANCHES,
                who=self._who(SQL("s.user_id")),
                partners=query.partner_ids,
                company=self._company_filter(query, SQL("s.company_id")),
            ),
        )

    @api.model
    def _source_message(self, query):
        """Messages with the customer: on the customer's record, written by
        them, or sent to them, on any document. Notes and tracking are
        internal (tracking is shown by the sources that own it)."""
        return self._fetch(
            query,
            SQL(
                """
                SELECT m.date AS date, m.id AS key,
                       CASE WHEN %(internal)s THEN 'note' ELSE 'message' END AS kind,
                       CASE WHEN %(internal)s THEN 'note'
                            WHEN m.author_id = ANY(%(partners)s)
                                 AND m.message_type = 'comment' THEN 'portal'
                            ELSE 'email' END AS channel,
                       author.name AS who,
                       COALESCE(NULLIF(m.subject, ''), m.record_name) AS title,
                       LEFT(m.body, 2000) AS detail,
                       NULL::numeric AS amount, NULL AS currency,
                       m.model AS res_model, m.res_id AS res_id,
                       %(internal)s AS internal
                  FROM mail_message m
             LEFT JOIN mail_message_subtype st ON st.id = m.subtype_id
             LEFT JOIN res_partner author ON author.id = m.author_id
                 WHERE m.message_type IN ('email', 'comment', 'email_outgoing')
                   AND (m.model = 'res.partner' AND m.res_id = ANY(%(partners)s)
                        OR m.author_id = ANY(%(partners)s)
                        OR m.id IN (SELECT r.mail_message_id
                                      FROM mail_message_res_partner_rel r
                                     WHERE r.res_partner_id = ANY(%(partners)s)))
                """,
                partners=query.partner_ids,
                internal=SQL(
                    "(COALESCE(m.is_internal, FALSE) OR COALESCE(st.internal, FALSE))"
                ),
            ),
        )

    @api.model
    def _source_care(self, query):
        """Care visits (requested, then scheduled, done, cancelled or
        missed: the service and the employee, never the notes, the outcome
        or the reason) and gifts given (the gift; its cost for staff only).
        A visit's change of state is dated by its tracking, else by when it
        was done or last written; a visit recorded after the fact (imported,
        entered late) was requested no later than its slot."""
        state_field = self.env["ir.model.fields"]._get("cmr.care.visit", "state")
        return self._fetch(
            query,
            SQL(
                """
                SELECT LEAST(v.create_date, v.date_start, v.done_date) AS date,
                       v.id * %(branches)s AS key,
                       'care_request' AS kind,
                       CASE v.origin WHEN 'portal' THEN 'portal'
                                     WHEN 'plan' THEN 'system'
                                     ELSE 'backend' END AS channel,
                       %(who)s AS who, v.name AS title, %(service)s AS detail,
                       NULL::numeric AS amount, NULL AS currency,
                       'cmr.care.visit' AS res_model, v.id AS res_id,
                       FALSE AS internal
                  FROM cmr_care_visit v
                  JOIN cmr_care_service s ON s.id = v.service_id
                 WHERE v.partner_id = ANY(%(partners)s) AND %(company)s
                 UNION ALL
                SELECT CASE WHEN v.state = 'done'
                            THEN COALESCE(v.done_date, %(tracked)s, v.write_date)
                            ELSE COALESCE(%(tracked)s, v.write_date) END,
                       v.id * %(branches)s + 1, 'care_' || v.state, 'backend',
                       %(done_who)s, v.name, %(service)s,
                       NULL::numeric, NULL, 'cmr.care.visit', v.id, FALSE
                  FROM cmr_care_visit v
                  JOIN cmr_care_service s ON s.id = v.service_id
                 WHERE v.partner_id = ANY(%(partners)s) AND %(company)s
                   AND v.state IN ('scheduled', 'done', 'cancelled', 'missed')
                 UNION ALL
                SELECT g.date::timestamp, g.id * %(branches)s + 2, 'care_gift',
                       'backend', %(gift_who)s, %(gift)s, NULL,
                       %(gift_value)s, %(gift_currency)s, 'cmr.care.gift', g.id,
                       FALSE
                  FROM cmr_care_gift g
                  JOIN product_product pp ON pp.id = g.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  JOIN res_company co ON co.id = g.company_id
                  JOIN res_currency cur ON cur.id = co.currency_id
                 WHERE g.partner_id = ANY(%(partners)s) AND %(gift_company)s
                   AND g.state = 'confirmed'
                """,
                branches=KEY_BRANCHES,
                who=self._who(SQL("v.user_id")),
                done_who=self._who(SQL("COALESCE(v.done_user_id, v.user_id)")),
                gift_who=self._who(SQL("g.user_id")),
                service=self._translated(query, SQL("s.name")),
                gift=self._translated(query, SQL("pt.name")),
                # What a gift cost is the company's business.
                gift_value=SQL("NULL::numeric") if query.portal else SQL("g.value"),
                gift_currency=SQL("NULL") if query.portal else SQL("cur.name"),
                tracked=SQL(
                    """(SELECT max(m.date) FROM mail_tracking_value tv
                          JOIN mail_message m ON m.id = tv.mail_message_id
                         WHERE m.model = 'cmr.care.visit' AND m.res_id = v.id
                           AND tv.field_id = %s)""",
                    state_field.id,
                ),
                partners=query.partner_ids,
                company=self._company_filter(query, SQL("v.company_id")),
                gift_company=self._company_filter(query, SQL("g.company_id")),
            ),
        )
