import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("cmr_portal_tier", {
    url: "/my",
    steps: () => [
        {
            content: "Open my tier from the portal home",
            trigger: "a[href='/my/tier']",
            run: "click",
        },
        {
            content: "My tier is shown",
            trigger: ".o_cmr_standing .o_cmr_tier_name:contains('Bronze')",
        },
        {
            content: "The page says what it takes to go up",
            trigger: ".o_cmr_upgrade_path:contains('Platinum')",
        },
        {
            content: "The ladder highlights my tier",
            trigger: ".o_cmr_standing .list-group-item.active:contains('Bronze')",
        },
        {
            content: "My tier history is listed",
            trigger: ".o_cmr_tier_history td:contains('Changed by our staff')",
        },
    ],
});
