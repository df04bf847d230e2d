// Progressive enhancement for /assist: ask and answer without reloading the page.
// Without this file every form still works as a plain post.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("assist-form");
  if (!form || !document.getElementById("conversation") || !window.fetch || !window.DOMParser) return;
  const message = form.querySelector("textarea[name=message]");
  const status = form.querySelector(".assist-status");

  // Swap in the conversation and forms of a server-rendered page (the same HTML a plain post returns).
  const swap = (html) => {
    const page = new DOMParser().parseFromString(html, "text/html");
    const fresh = page.getElementById("conversation");
    const freshForm = page.getElementById("assist-form");
    if (!fresh || !freshForm) return false;
    document.getElementById("conversation").replaceWith(fresh);
    form.querySelector("input[name=conversation_id]").value =
      freshForm.querySelector("input[name=conversation_id]").value;
    enhanceFeedback(fresh);
    const heading = fresh.querySelector(".assist-answer h2, .assist-raise h2, .flash");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    return true;
  };

  const post = async (target, body) => {
    status.textContent = "Thinking…";
    try {
      const resp = await fetch(target.action, { method: "POST", body, credentials: "same-origin" });
      const html = await resp.text();
      if (!swap(html)) { status.textContent = "Something went wrong. Please try again."; return false; }
      status.textContent = "";
      return true;
    } catch (err) {
      status.textContent = "Could not reach the server. Your question is still in the box.";
      return false;
    }
  };

  const enhanceFeedback = (root) => {
    root.querySelectorAll("form.feedback").forEach((fb) => {
      fb.addEventListener("submit", (event) => {
        event.preventDefault();
        const data = new FormData(fb);
        if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
        post(fb, data);
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
  enhanceFeedback(document);
});
