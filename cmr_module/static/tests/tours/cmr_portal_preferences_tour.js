import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("cmr_portal_preferences", {
    url: "/my",
    steps: () => [
        {
            content: "Open my relationship charter from the portal home",
            trigger: "a[href='/my/preferences']",
            run: "click",
        },
        {
            content: "Accept SMS",
            trigger: "input[name$='_accept'][data-channel-code='sms']",
            run: "click",
        },
        {
            content: "Rank SMS second",
            trigger: "tr[data-channel-code='sms'] input[name$='_rank']",
            run: "edit 2",
        },
        {
            content: "At most one SMS a week",
            trigger: "tr[data-channel-code='sms'] input[name$='_cap_week']",
            run: "edit 1",
        },
        {
            content: "Save the charter",
            trigger: "button.o_cmr_save",
            run: "click",
        },
        {
            content: "The charter is saved",
            trigger: ".o_cmr_saved",
        },
        {
            content: "The history shows the new channel",
            trigger: ".o_cmr_ledger td:contains('SMS')",
        },
    ],
});
