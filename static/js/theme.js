// Applies the display mode before first paint (light, dark, or the system's when "auto").
(function () {
  var root = document.documentElement;
  var pref = root.getAttribute("data-theme-pref") || "auto";
  try { pref = localStorage.getItem("assura-theme") || pref; } catch (e) { /* storage disabled */ }
  if (root.getAttribute("data-theme-pref") && root.getAttribute("data-theme-pref") !== "auto") {
    pref = root.getAttribute("data-theme-pref");
  }
  var dark = pref === "dark" || (pref === "auto" && window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
  root.setAttribute("data-bs-theme", dark ? "dark" : "light");
})();
