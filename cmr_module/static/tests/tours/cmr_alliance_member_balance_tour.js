import { registry } from "@web/core/registry";

// A member opens their cards from the portal home and reads the balance,
// the points about to expire and the history of a card.
registry.category("web_tour.tours").add("cmr_alliance_member_balance", {
    url: "/my",
    steps: () => [
        {
            content: "Open my alliance cards from the portal home",
            trigger: "a[href='/my/cards']",
            run: "click",
        },
        {
            content: "The card shows its balance",
            trigger: ".o_cmr_card[data-card-number='8860970000000014'] .o_cmr_balance:contains('500')",
        },
        {
            content: "and warns of the points expiring soon",
            trigger: ".o_cmr_card[data-card-number='8860970000000014'] .o_cmr_expiring",
        },
        {
            content: "Open the card's history",
            trigger: "a.o_cmr_card_history",
            run: "click",
        },
        {
            content: "The history lists the earning",
            trigger: ".o_cmr_history td:contains('500')",
        },
    ],
});
