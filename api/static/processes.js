// Sends a process page's execute request (the textarea's JSON) and shows the JSON that comes back.
(function () {
  var form = document.getElementById("execute");
  if (!form) { return; }
  var out = document.getElementById("result"), status = document.getElementById("status");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var started = performance.now();
    status.textContent = "running…";
    fetch(form.getAttribute("data-url"), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: document.getElementById("body").value
    }).then(function (r) {
      return r.text().then(function (text) {
        var ms = Math.round(performance.now() - started);
        status.textContent = "HTTP " + r.status + " in " + ms + " ms";
        form.setAttribute("data-status", String(r.status));
        try { out.textContent = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { out.textContent = text; }
      });
    }).catch(function (e) { status.textContent = String(e); form.setAttribute("data-status", "error"); });
  });
})();
