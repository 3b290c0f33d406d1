// The reply box's article picker (console/kb_pick.html): "Insert link" puts the article's
// title and address into the reply at the cursor. No inline script: the CSP forbids it.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-kb-link]");
  if (!button) return;
  const body = document.querySelector("#compose textarea[name=body]");
  if (!body) return;
  const text = `${button.dataset.kbTitle}: ${button.dataset.kbLink}`;
  const at = body.selectionStart ?? body.value.length;
  const before = body.value.slice(0, at);
  const gap = before && !/\s$/.test(before) ? " " : "";
  body.value = before + gap + text + body.value.slice(body.selectionEnd ?? at);
  body.dispatchEvent(new Event("input", { bubbles: true }));  // the draft keeper saves it
  body.focus();
});
