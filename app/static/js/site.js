// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  const perPage = document.querySelector("form.per-page select");
  if (perPage) perPage.addEventListener("change", () => perPage.form.submit());
});

// Suggestions while typing in a site search box (header and search page): article titles and glossary terms
// from /api/suggest. Without JavaScript the box is a plain search form.
document.addEventListener("DOMContentLoaded", () => {
  const boxes = document.querySelectorAll('form[role="search"][action$="/search"] input[name="q"]');
  boxes.forEach((input, n) => {
    const list = document.createElement("ul");
    list.id = `suggestions-${n}`;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    input.parentElement.classList.add("has-suggestions");
    let timer = null;
    let active = -1;
    let latest = 0;

    const close = () => {
      list.hidden = true;
      list.replaceChildren();
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    };
    const options = () => Array.from(list.querySelectorAll('[role="option"]'));
    const highlight = (i) => {
      const all = options();
      all.forEach((o, j) => o.setAttribute("aria-selected", j === i ? "true" : "false"));
      active = i;
      if (i >= 0) input.setAttribute("aria-activedescendant", all[i].id);
      else input.removeAttribute("aria-activedescendant");
    };
    const show = (suggestions) => {
      list.replaceChildren();
      suggestions.forEach((s, i) => {
        const li = document.createElement("li");
        li.id = `${list.id}-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.url = s.url;
        const title = document.createElement("span");
        title.className = "suggestion-title";
        title.textContent = s.title;
        const kind = document.createElement("span");
        kind.className = "suggestion-kind";
        kind.textContent = s.kind === "glossary" ? "Glossary" : "Article";
        li.append(title, " ", kind);
        // mousedown, not click: it comes before the box's blur closes the list
        li.addEventListener("mousedown", (e) => { e.preventDefault(); window.location.href = s.url; });
        list.append(li);
      });
      list.hidden = suggestions.length === 0;
      input.setAttribute("aria-expanded", suggestions.length ? "true" : "false");
      active = -1;
    };
    const fetchSuggestions = async () => {
      const q = input.value.trim();
      if (q.length < 2) { close(); return; }
      const ticket = ++latest;
      try {
        const r = await fetch(`/api/suggest?q=${encodeURIComponent(q)}`, { headers: { Accept: "application/json" } });
        if (!r.ok || ticket !== latest) return;
        show((await r.json()).suggestions || []);
      } catch (e) {
        close(); // suggestions are a convenience: the form still searches
      }
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 120);
    });
    input.addEventListener("keydown", (e) => {
      const all = options();
      if ((e.key === "ArrowDown" || e.key === "ArrowUp") && all.length) {
        clearTimeout(timer); // once choosing, the list stays as it is: no late answer redraws it
        latest += 1;
      }
      if (e.key === "ArrowDown" && all.length) {
        e.preventDefault();
        highlight((active + 1) % all.length);
      } else if (e.key === "ArrowUp" && all.length) {
        e.preventDefault();
        highlight(active <= 0 ? all.length - 1 : active - 1);
      } else if (e.key === "Enter" && active >= 0) {
        e.preventDefault();
        window.location.href = all[active].dataset.url;
      } else if (e.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 200));
  });
});
