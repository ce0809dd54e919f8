//! A problem to read, or the share link to copy.

use yew::prelude::*;

use crate::state::{Action, Notice};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub notice: Notice,
    pub on_action: Callback<Action>,
}

#[function_component(NoticeBar)]
pub fn notice_bar(props: &Props) -> Html {
    let dismiss = {
        let on_action = props.on_action.clone();
        Callback::from(move |_| on_action.emit(Action::DismissNotice))
    };
    let select_all = Callback::from(|event: FocusEvent| {
        if let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() {
            input.select();
        }
    });
    match &props.notice {
        Notice::Problem(text) => html! {
            <div class="notice problem" role="alert">
                <pre>{text}</pre>
                <button class="ghost" onclick={dismiss} aria-label="Dismiss">{"✕"}</button>
            </div>
        },
        Notice::Truncated(text) => html! {
            <div class="notice truncated" role="status" data-testid="truncated">
                <p>{text}</p>
                <button class="ghost" onclick={dismiss} aria-label="Dismiss">{"✕"}</button>
            </div>
        },
        Notice::Link { copied, url } => html! {
            <div class="notice link" role="status">
                <label for="share-link">{ if *copied { "Link copied — it reproduces this run:" } else { "Copy this link to share the run:" } }</label>
                <input id="share-link" data-testid="share-link" readonly=true value={url.clone()} onfocus={select_all} />
                <button class="ghost" onclick={dismiss} aria-label="Dismiss">{"✕"}</button>
            </div>
        },
    }
}
