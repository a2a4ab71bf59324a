import { registry } from "@web/core/registry";

function nextFridayAt18() {
    const day = new Date();
    day.setDate(day.getDate() + ((5 - day.getDay() + 7) % 7 || 7));
    const pad = (value) => String(value).padStart(2, "0");
    return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}T18:00`;
}

registry.category("web_tour.tours").add("cmr_portal_complaint_file", {
    url: "/my",
    steps: () => [
        {
            content: "Open my complaints from the portal home",
            trigger: "a[href='/my/complaints']",
            run: "click",
        },
        {
            content: "File a complaint",
            trigger: "a.o_cmr_complaint_new",
            run: "click",
        },
        {
            content: "Say what it is about",
            trigger: "input[name='subject']",
            run: "edit The gas bill charged me twice",
        },
        {
            content: "Tell what happened",
            trigger: "textarea[name='description']",
            run: "edit Two identical lines on my November bill.",
        },
        {
            content: "Answer me on WeChat",
            trigger: "select[name='reply_channel']",
            run: "select wechat",
        },
        {
            content: "By Friday 18:00",
            trigger: "input[name='reply_by']",
            run() {
                // A datetime-local input takes its value as "YYYY-MM-DDTHH:MM".
                this.anchor.value = nextFridayAt18();
            },
        },
        {
            content: "Send",
            trigger: "button.o_cmr_complaint_submit",
            run: "click",
        },
        {
            content: "The complaint waits for an agent, answered on WeChat",
            trigger:
                ".o_cmr_complaint[data-state='new'] .o_cmr_complaint_reply_channel:contains('WeChat')",
        },
    ],
});

registry.category("web_tour.tours").add("cmr_portal_complaint_confirm_rate", {
    url: "/my/complaints",
    steps: () => [
        {
            content: "Open the answered complaint",
            trigger: ".o_cmr_complaint_row a:contains('CMP/')",
            run: "click",
        },
        {
            content: "The answer is shown",
            trigger: ".o_cmr_complaint_resolution:contains('refunded')",
        },
        {
            content: "It settles it",
            trigger: "button.o_cmr_complaint_confirm",
            run: "click",
        },
        {
            content: "Five stars",
            trigger: ".o_cmr_complaint[data-state='closed'] label[for='cmr_rate_5']",
            run: "click",
        },
        {
            content: "A word of feedback",
            trigger: "textarea[name='feedback']",
            run: "edit Fast and friendly",
        },
        {
            content: "Rate",
            trigger: "button.o_cmr_complaint_rate_submit",
            run: "click",
        },
        {
            content: "Thanks are shown",
            trigger: ".o_cmr_complaint_rated",
        },
    ],
});
