"""The contact gate: may the company contact these customers on a channel
about a topic at a moment?

An abstract model, so that another addon can ``_inherit`` it: add a refusal
reason (``_extra_refusals`` here, ``selection_add`` on
``cmr.contact.refusal_reason``), or change how the next allowed moment is
found. It answers a whole recordset at once: the time-zone arithmetic is done
in Python once per time zone, the per-partner checks in one SQL statement that
also groups customers with the same answer and the same charter, and the next
allowed moment is searched once per such group, for the refusals that time
alone will lift.
"""

from collections import defaultdict, namedtuple
from datetime import UTC, datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.sql import without_jit

# Refusals that time alone lifts: they come with the next allowed moment.
TIME_REASONS = ["quiet_day", "outside_window", "cap_reached"]
# How far ahead the next allowed moment is searched.
HORIZON_DAYS = 400
# States of cmr.contact that count against the frequency caps.
COUNTED_STATES = ["sent", "to_deliver"]

# One question to the gate: channel and topic records, naive UTC moment.
GateQuestion = namedtuple("GateQuestion", ["channel", "topic", "moment", "default_tz"])

GATE_QUERY = """
WITH zone (tz, local_date, dow, hour, week_start, month_start) AS (
    SELECT * FROM unnest(
        %(tz)s::varchar[], %(local_date)s::date[], %(dow)s::int[],
        %(hour)s::float[], %(week_start)s::timestamp[], %(month_start)s::timestamp[]
    )
),
target AS (
    SELECT p.id, p.cmr_do_not_contact AS dnc,
           COALESCE(p.cmr_channels_chosen, FALSE) AS channels_chosen,
           COALESCE(p.cmr_topics_chosen, FALSE) AS topics_chosen, zone.*
      FROM res_partner p
      JOIN zone ON zone.tz = COALESCE(p.tz, '')
     WHERE p.id = ANY(%(ids)s)
),
prefs AS (
    SELECT cp.partner_id,
           bool_or(cp.channel_id = %(channel)s) AS accepted,
           max(cp.cap_week) FILTER (WHERE cp.channel_id = %(channel)s) AS cap_week,
           max(cp.cap_month) FILTER (WHERE cp.channel_id = %(channel)s) AS cap_month
      FROM cmr_channel_preference cp
      JOIN target t ON t.id = cp.partner_id
  GROUP BY cp.partner_id
),
topics AS (
    SELECT rel.partner_id, bool_or(rel.topic_id = %(topic)s) AS wanted
      FROM cmr_topic_res_partner_rel rel
      JOIN target t ON t.id = rel.partner_id
  GROUP BY rel.partner_id
),
quiet AS (
    SELECT q.partner_id,
           bool_or(q.date = t.local_date) AS today,
           array_agg(q.date ORDER BY q.date) AS days
      FROM cmr_quiet_day q
      JOIN target t ON t.id = q.partner_id AND q.date >= t.local_date
  GROUP BY q.partner_id
),
windows AS (
    SELECT w.partner_id,
           bool_or(CASE
               WHEN w.hour_from < w.hour_to THEN
                    w.weekday::int = t.dow
                    AND t.hour >= w.hour_from AND t.hour < w.hour_to
               ELSE (w.weekday::int = t.dow AND t.hour >= w.hour_from)
                    OR (w.weekday::int = mod(t.dow + 6, 7) AND t.hour < w.hour_to)
           END) AS inside,
           array_agg(ARRAY[w.weekday::float, w.hour_from, w.hour_to]
                     ORDER BY w.weekday, w.hour_from, w.hour_to) AS spans
      FROM cmr_contact_window w
      JOIN target t ON t.id = w.partner_id
  GROUP BY w.partner_id
),
counts AS (
    SELECT c.partner_id,
           count(*) FILTER (WHERE c.date >= t.week_start) AS week_count,
           count(*) FILTER (WHERE c.date >= t.month_start) AS month_count
      FROM cmr_contact c
      JOIN target t ON t.id = c.partner_id
     WHERE c.channel_id = %(channel)s
       AND c.state = ANY(%(counted_states)s)
       AND c.date >= LEAST(t.week_start, t.month_start)
       AND c.date <= %(moment)s
  GROUP BY c.partner_id
),
state AS (
    SELECT t.id,
           t.tz,
           t.dnc,
           -- No row: the defaults until the customer has chosen, then none.
           CASE WHEN prefs.partner_id IS NULL
                THEN NOT t.channels_chosen AND %(channel_default)s
                ELSE prefs.accepted END AS channel_ok,
           CASE WHEN %(topic)s IS NULL THEN TRUE
                WHEN topics.partner_id IS NULL
                THEN NOT t.topics_chosen AND %(topic_default)s
                ELSE topics.wanted END AS topic_ok,
           COALESCE(quiet.today, FALSE) AS quiet_today,
           COALESCE(windows.inside, TRUE) AS in_window,
           COALESCE(prefs.cap_week, 0) > 0
               AND COALESCE(counts.week_count, 0) >= prefs.cap_week AS week_full,
           COALESCE(prefs.cap_month, 0) > 0
               AND COALESCE(counts.month_count, 0) >= prefs.cap_month AS month_full,
           quiet.days,
           windows.spans
      FROM target t
      LEFT JOIN prefs ON prefs.partner_id = t.id
      LEFT JOIN topics ON topics.partner_id = t.id
      LEFT JOIN quiet ON quiet.partner_id = t.id
      LEFT JOIN windows ON windows.partner_id = t.id
      LEFT JOIN counts ON counts.partner_id = t.id
),
answer AS (
    SELECT id, tz, week_full, month_full, days, spans,
           CASE WHEN dnc THEN 'do_not_contact'
                WHEN NOT channel_ok THEN 'channel_refused'
                WHEN NOT topic_ok THEN 'topic_not_wanted'
                WHEN quiet_today THEN 'quiet_day'
                WHEN NOT in_window THEN 'outside_window'
                WHEN week_full OR month_full THEN 'cap_reached'
           END AS reason
      FROM state
)
-- Customers with the same answer and the same charter where time matters
-- come as one row: the next allowed moment is searched once per row.
SELECT reason,
       CASE WHEN reason = ANY(%(time_reasons)s) THEN tz END,
       CASE WHEN reason = ANY(%(time_reasons)s) THEN week_full END,
       CASE WHEN reason = ANY(%(time_reasons)s) THEN month_full END,
       CASE WHEN reason = ANY(%(time_reasons)s) THEN days END,
       CASE WHEN reason = ANY(%(time_reasons)s) THEN spans END,
       array_agg(id)
  FROM answer
 GROUP BY 1, 2, 3, 4, 5, 6
"""


class CmrContactGate(models.AbstractModel):
    _name = "cmr.contact.gate"
    _description = "Contact Gate"

    # ------------------------------------------------------------------
    # The question
    # ------------------------------------------------------------------
    @api.model
    def _check(self, partner_ids, channel, topic=None, moment=None):
        """``{partner_id: {'allowed', 'reason', 'next_allowed'}}`` for
        ``partner_ids`` (see ``res.partner.cmr_check_contact``)."""
        if not partner_ids:
            return {}
        question = self._question(channel, topic, moment)
        answers = self._charter_answers(list(partner_ids), question)
        allowed = [pid for pid, answer in answers.items() if answer["allowed"]]
        for partner_id, reason in self._extra_refusals(allowed, question).items():
            answers[partner_id] = {
                "allowed": False,
                "reason": reason,
                "next_allowed": False,
            }
        return answers

    @api.model
    def _question(self, channel, topic, moment):
        moment = moment or fields.Datetime.now()
        if moment.tzinfo:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return GateQuestion(
            channel,
            topic or None,
            moment.replace(microsecond=0),
            self.env.company.partner_id.tz or "UTC",
        )

    @api.model
    def _extra_refusals(self, partner_ids, question):
        """Refusals of other addons: ``{partner_id: reason}`` among the
        partners the charter allows. Override it (one query for all of
        ``partner_ids``) and add the reason to ``cmr.contact.refusal_reason``
        with ``selection_add``; such refusals carry no next allowed moment."""
        return {}

    @api.model
    def _charter_answers(self, partner_ids, question):
        """The charter's answer: one SQL statement for all partners."""
        env = self.env
        for model in (
            "res.partner",
            "cmr.channel.preference",
            "cmr.contact.window",
            "cmr.quiet.day",
            "cmr.contact",
        ):
            env[model].flush_model()
        # The partners' own zones, as stored: one that pytz no longer knows
        # still gets a row (counted in the company's zone), so every partner
        # gets an answer.
        zones = env.execute_query(
            SQL(
                "SELECT DISTINCT COALESCE(tz, '') FROM res_partner WHERE id = ANY(%s)",
                partner_ids,
            )
        )
        params = self._zone_rows([tz_name for [tz_name] in zones], question)
        channel, topic = question.channel, question.topic
        params.update(
            ids=partner_ids,
            channel=channel.id,
            channel_default=channel.accepted_by_default,
            topic=topic.id if topic else None,
            topic_default=bool(topic and topic.wanted_by_default),
            counted_states=COUNTED_STATES,
            moment=question.moment,
            time_reasons=TIME_REASONS,
        )
        with without_jit(env):
            groups = env.execute_query(SQL(GATE_QUERY, **params))
        answers = {}
        for reason, tz, week_full, month_full, days, spans, ids in groups:
            next_allowed = False
            if reason in TIME_REASONS:
                next_allowed = self._next_allowed(
                    question, tz, week_full, month_full, days or [], spans or []
                )
            answer = {
                "allowed": not reason,
                "reason": reason or False,
                "next_allowed": next_allowed,
            }
            for partner_id in ids:
                answers[partner_id] = dict(answer)
        return answers

    # ------------------------------------------------------------------
    # Time zones
    # ------------------------------------------------------------------
    @api.model
    def _zone(self, tz_name, question):
        try:
            return pytz.timezone(tz_name or question.default_tz)
        except pytz.UnknownTimeZoneError:
            return pytz.timezone(question.default_tz)

    @api.model
    def _to_utc(self, zone, local):
        """Naive local time -> naive UTC; a time skipped by DST moves forward."""
        aware = zone.normalize(zone.localize(local, is_dst=False))
        return aware.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _local_now(self, zone, question):
        return pytz.utc.localize(question.moment).astimezone(zone).replace(tzinfo=None)

    @api.model
    def _zone_rows(self, tz_names, question):
        columns = defaultdict(list)
        for tz_name in tz_names:
            zone = self._zone(tz_name, question)
            local = self._local_now(zone, question)
            columns["tz"].append(tz_name or "")
            columns["local_date"].append(local.date())
            columns["dow"].append(local.weekday())
            columns["hour"].append(local.hour + local.minute / 60 + local.second / 3600)
            columns["week_start"].append(self._to_utc(zone, _week_start(local)))
            columns["month_start"].append(self._to_utc(zone, _month_start(local)))
        return columns

    # ------------------------------------------------------------------
    # Next allowed moment
    # ------------------------------------------------------------------
    @api.model
    def _next_allowed(self, question, tz, week_full, month_full, days, spans):
        """First allowed moment (naive UTC) for one charter, or False."""
        zone = self._zone(tz, question)
        windows = [(int(weekday), start, end) for weekday, start, end in spans]
        local = self._next_local_slot(
            self._local_now(zone, question),
            week_full,
            month_full,
            windows,
            set(days),
        )
        return self._to_utc(zone, local) if local else False

    @api.model
    def _next_local_slot(self, now, week_full, month_full, windows, quiet_days):
        """Walk forward from ``now`` (local, naive) to the first allowed time."""
        week_end = _week_start(now) + timedelta(days=7)
        month_end = _next_month_start(now)
        limit = now + timedelta(days=HORIZON_DAYS)
        slot = now
        while slot < limit:
            if week_full and slot < week_end:
                slot = week_end
            elif month_full and slot < month_end:
                slot = month_end
            elif slot.date() in quiet_days:
                slot = datetime.combine(slot.date() + timedelta(days=1), time())
            elif windows:
                opening = _window_opening(slot, windows)
                if opening == slot:
                    return slot
                slot = opening
            else:
                return slot
        return False


def _week_start(local):
    return datetime.combine(local.date() - timedelta(days=local.weekday()), time())


def _month_start(local):
    return datetime.combine(local.date().replace(day=1), time())


def _next_month_start(local):
    first = local.date().replace(day=1)
    return datetime.combine((first + timedelta(days=32)).replace(day=1), time())


def _window_opening(slot, windows):
    """``slot`` if it lies in a window, else the next window opening."""
    best = None
    day0 = datetime.combine(slot.date(), time())
    for offset in range(-1, 8):
        day = day0 + timedelta(days=offset)
        for weekday, hour_from, hour_to in windows:
            if day.weekday() != weekday:
                continue
            start = day + timedelta(hours=hour_from)
            end = day + timedelta(hours=hour_to)
            if hour_to <= hour_from:
                end += timedelta(days=1)
            if start <= slot < end:
                return slot
            if start > slot and (best is None or start < best):
                best = start
    return best
