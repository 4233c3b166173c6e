// Put the Support tab into a host page:
//   <script src="http://127.0.0.1:PORT/embed.js"></script>
//   <hero-support-tab></hero-support-tab>
// The element is defined by a module loaded from the same local service, which it
// then talks to; the host page needs no other code.
(() => {
  const script = document.currentScript;
  const origin = script && script.src ? new URL(script.src).origin : window.location.origin;
  import(`${origin}/static/tab.js`).catch((error) => {
    for (const element of document.querySelectorAll("hero-support-tab")) {
      element.textContent = `The Support tab could not be loaded from ${origin}: ${error.message}`;
    }
  });
})();
