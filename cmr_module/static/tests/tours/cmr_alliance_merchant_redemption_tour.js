import { registry } from "@web/core/registry";

// The merchant's counter records a redemption of 120 points on card
// 8860 9700 0000 0014 (created by the test with 500 points and the PIN
// 482916, which the alliance asks for).
registry.category("web_tour.tours").add("cmr_alliance_merchant_redemption", {
    url: "/my",
    steps: () => [
        {
            content: "Open the merchant counter from the portal home",
            trigger: "a[href='/my/merchant']",
            run: "click",
        },
        {
            content: "Type the member's card number as printed",
            trigger: "form.o_cmr_merchant_form input[name='card_number']",
            run: "edit 8860 9700 0000 0014",
        },
        {
            content: "A redemption",
            trigger: "form.o_cmr_merchant_form select[name='kind']",
            run: "select redeem",
        },
        {
            content: "Of 120 points",
            trigger: "form.o_cmr_merchant_form input[name='quantity']",
            run: "edit 120",
        },
        {
            content: "The holder types their card PIN",
            trigger: "form.o_cmr_merchant_form input[name='proof']",
            run: "edit 482916",
        },
        {
            content: "Record it",
            trigger: "button.o_cmr_record",
            run: "click",
        },
        {
            content: "The redemption is recorded for the member",
            trigger: ".o_cmr_recorded:contains('Member One')",
        },
        {
            content: "and listed with the merchant's transactions",
            trigger: ".o_cmr_transactions td:contains('-120')",
        },
    ],
});
