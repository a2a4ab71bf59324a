import { registry } from "@web/core/registry";

// A contact of a key account opens their team page: who looks after them,
// in which role and how to reach them, the next review and the minutes the
// team shared (never the ones kept internal).
registry.category("web_tour.tours").add("cmr_portal_keyaccount_team", {
    url: "/my",
    steps: () => [
        {
            content: "Open my team from the portal home",
            trigger: "a[href='/my/team']",
            run: "click",
        },
        {
            content: "The lead is listed with their role",
            trigger: ".o_cmr_team_member:contains('Lead Tour Wu') .o_cmr_team_role:contains('Team lead')",
        },
        {
            content: "... and how to reach them",
            trigger: ".o_cmr_team_member:contains('Lead Tour Wu') a[href='mailto:tour.wu@cmr.example.com']",
        },
        {
            content: "The sales member is listed with their role",
            trigger: ".o_cmr_team_member:contains('Sales Tour Xu') .o_cmr_team_role:contains('Sales')",
        },
        {
            content: "The next review is announced",
            trigger: ".o_cmr_next_review:contains('Tour winter review')",
        },
        {
            content: "The shared minutes and decisions are shown",
            trigger: ".o_cmr_shared_review:contains('Tour autumn review') .o_cmr_review_minutes:contains('TOUR-SHARED-MINUTES')",
        },
        {
            content: "The internal minutes are not",
            trigger: ".o_cmr_team:not(:contains('TOUR-INTERNAL-MINUTES'))",
        },
    ],
});
