// fundtrail web: small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // A form sent once shows it is being sent; a second click sends nothing
  // (the server would record nothing twice anyway: the form carries a commandId).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
    if (form.dataset.sent === "1") { event.preventDefault(); return; }
    form.dataset.sent = "1";
    var buttons = form.querySelectorAll("button[type=submit]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-disabled", "true");
      buttons[i].disabled = true;
    }
  });
  // After a refused form, the list of errors is read first.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  // Filters apply as soon as a choice changes (the button stays for keyboards).
  var auto = document.querySelectorAll("form[data-autosubmit] select");
  for (var j = 0; j < auto.length; j++) {
    auto[j].addEventListener("change", function (e) { e.target.form.requestSubmit(); });
  }
  // The sum of allocations, beside the amount, while typing.
  var sum = document.getElementById("allocation-sum");
  if (sum) {
    var parse = function (raw, lang) {
      var s = String(raw || "").replace(/[\s\u00a0\u202f_']/g, "");
      if (!s) return 0;
      var c = s.lastIndexOf(","), d = s.lastIndexOf(".");
      if (c > d) s = s.replace(/\./g, "").replace(",", ".");
      else if (d > c && c >= 0) s = s.replace(/,/g, "");
      else if (c >= 0) s = (lang === "en" && /^\d{1,3}(,\d{3})+$/.test(s)) ? s.replace(/,/g, "") : s.replace(",", ".");
      var n = Number(s);
      return isFinite(n) ? n : NaN;
    };
    var update = function () {
      var lang = document.documentElement.lang;
      var inputs = document.querySelectorAll("input[data-allocation]");
      var total = 0;
      for (var k = 0; k < inputs.length; k++) total += parse(inputs[k].value, lang);
      sum.textContent = isNaN(total) ? "?" : total.toLocaleString(lang === "fr" ? "fr-FR" : "en-GB");
    };
    document.addEventListener("input", function (e) {
      if (e.target && e.target.hasAttribute && e.target.hasAttribute("data-allocation")) update();
    });
    update();
  }
})();
