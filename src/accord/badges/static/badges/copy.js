// "Copy" beside each embed snippet: puts the snippet on the clipboard, and says so.
// Without script the snippets are still plain read-only text to select and copy.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  source.select();
  try {
    await navigator.clipboard.writeText(source.value);
  } catch {
    document.execCommand("copy");
  }
  const status = button.nextElementSibling;
  if (status) status.textContent = "Copied";
});
