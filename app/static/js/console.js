// Console enhancements; every page works without this file.
// Search-as-you-type for linking articles on the resolve form: results come from /api/search and an
// "Add" button puts a ticked checkbox into the resolve form. Text goes in with textContent only.
document.addEventListener("DOMContentLoaded", () => {
  const input = document.getElementById("article-q");
  const results = document.getElementById("article-results");
  const chosen = document.getElementById("chosen-articles");
  if (!input || !results || !chosen) return;
  const hint = document.getElementById("chosen-hint");
  const url = input.dataset.searchUrl;
  let timer = null;
  let latest = 0;

  const chosenSlugs = () => new Set(Array.from(chosen.querySelectorAll("input[name=article]")).map((i) => i.value));

  function addArticle(hit) {
    if (chosenSlugs().has(hit.slug)) return;
    const li = document.createElement("li");
    const box = document.createElement("input");
    box.type = "checkbox"; box.name = "article"; box.value = hit.slug; box.id = "art-" + hit.slug; box.checked = true;
    const label = document.createElement("label");
    label.htmlFor = box.id; label.textContent = hit.title;
    li.append(box, " ", label);
    chosen.append(li);
    if (hint) hint.textContent = "";
  }

  function show(hits, query) {
    results.replaceChildren();
    const have = chosenSlugs();
    const articles = hits.filter((h) => h.kind === "article" && !have.has(h.slug));
    if (!articles.length) {
      const p = document.createElement("p");
      p.textContent = "No articles match \u201c" + query + "\u201d.";
      results.append(p);
      return;
    }
    const ul = document.createElement("ul");
    ul.className = "article-hits";
    for (const hit of articles) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = hit.url; a.target = "_blank"; a.rel = "noopener"; a.textContent = hit.title;
      const add = document.createElement("button");
      add.type = "button"; add.className = "secondary add-link";
      add.textContent = "Add";
      add.setAttribute("aria-label", "Add " + hit.title);
      add.addEventListener("click", () => { addArticle(hit); li.remove(); });
      li.append(a, " ", add);
      ul.append(li);
    }
    results.append(ul);
  }

  async function search() {
    const query = input.value.trim();
    const mine = ++latest;
    if (query.length < 2) { results.replaceChildren(); return; }
    try {
      const resp = await fetch(url + "?" + new URLSearchParams({ q: query, mode: "keyword", limit: "10" }),
                               { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!resp.ok || mine !== latest) return;
      const data = await resp.json();
      if (mine === latest) show(data.results || [], query);
    } catch (err) { /* the Search button still works */ }
  }

  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 250); });
  input.form.addEventListener("submit", (event) => { event.preventDefault(); clearTimeout(timer); search(); });
});
