// Progressive enhancement for /assist: ask and answer without reloading the page.
// Without this file every form still works as a plain post (the server renders the same thread).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("assist-form");
  const thread = document.getElementById("thread");
  if (!form || !thread || !window.fetch || !window.DOMParser) return;
  const message = form.querySelector("textarea[name=message]");
  const status = form.querySelector(".assist-status");
  const conversationId = () => form.querySelector("input[name=conversation_id]").value;
  // Parts of the page that belong to the latest answer and are replaced whole by the server's version.
  const REGIONS = ["examples", "turn-actions", "chat-new"];

  // Merge a server-rendered page: keep the answers already shown (this browser saw them whole), add the new
  // ones, and take the latest answer's buttons and forms from the server.
  const merge = (html) => {
    const page = new DOMParser().parseFromString(html, "text/html");
    const freshThread = page.getElementById("thread");
    const freshForm = page.getElementById("assist-form");
    if (!freshThread || !freshForm) return false;
    const freshId = freshForm.querySelector("input[name=conversation_id]").value;
    if (freshId !== conversationId()) thread.replaceChildren();
    const shown = new Set([...thread.children].map((li) => li.dataset.turn));
    const added = [...freshThread.children].filter((li) => !shown.has(li.dataset.turn));
    added.forEach((li) => thread.append(document.adoptNode(li)));
    REGIONS.forEach((id) => {
      const mine = document.getElementById(id);
      const fresh = page.getElementById(id);
      if (mine && fresh) mine.replaceWith(document.adoptNode(fresh));
    });
    form.querySelector("input[name=conversation_id]").value = freshId;
    // A reload shows the same thread (the page's GET form of a conversation).
    if (freshId) history.replaceState(null, "", "?" + new URLSearchParams({ conversation_id: freshId }));
    form.querySelector("label[for=assist-message]").textContent =
      freshForm.querySelector("label[for=assist-message]").textContent;
    enhance(document);
    const focus = added.length ? added[added.length - 1].querySelector("h2")
      : document.querySelector("#turn-actions .flash");
    if (focus) { focus.setAttribute("tabindex", "-1"); focus.focus(); }
    return true;
  };

  const post = async (target, body) => {
    status.textContent = "Thinking…";
    try {
      const resp = await fetch(target.action, { method: "POST", body, credentials: "same-origin" });
      if (!merge(await resp.text())) { status.textContent = "Something went wrong. Please try again."; return false; }
      status.textContent = "";
      return true;
    } catch (err) {
      status.textContent = "Could not reach the server. Your question is still in the box.";
      return false;
    }
  };

  // Buttons that ask (examples, quick answers, "Ask about this") and "Yes, that solved it" stay on the page;
  // "No, this didn't solve it" and "Raise this case" go on to the case form as plain posts.
  const enhance = (root) => {
    root.querySelectorAll("form.ask-buttons, form.feedback").forEach((f) => {
      if (f.dataset.enhanced) return;
      f.dataset.enhanced = "1";
      f.addEventListener("submit", (event) => {
        const button = event.submitter;
        if (f.classList.contains("feedback") && !(button && button.value === "yes")) return;
        event.preventDefault();
        const data = new FormData(f);
        if (button && button.name) data.append(button.name, button.value);
        post(f, data);
      });
    });
  };

  form.addEventListener("submit", async (event) => {
    if (!message.value.trim()) return;  // let the browser show "required"
    event.preventDefault();
    if (await post(form, new FormData(form))) message.value = "";
  });
  message.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
  enhance(document);
});
