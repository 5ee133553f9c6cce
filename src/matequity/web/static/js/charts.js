// Draw every chart on the page: the Vega-Lite spec sits in a
// <script type="application/json" data-chart-for="ID"> block next to its <div id="ID">.
// No inline script, no eval: Vega's expression interpreter (ast: true) keeps the
// page within its Content-Security-Policy.
(function () {
  "use strict";
  function draw() {
    var blocks = document.querySelectorAll('script[type="application/json"][data-chart-for]');
    blocks.forEach(function (block) {
      var target = document.getElementById(block.getAttribute("data-chart-for"));
      if (!target) { return; }
      var spec = JSON.parse(block.textContent);
      window.vegaEmbed(target, spec, {
        actions: false,
        renderer: "svg",
        ast: true,
        defaultStyle: false,
        tooltip: { disableDefaultStyle: true }
      }).then(function () {
        target.setAttribute("data-rendered", "true");
      }).catch(function (err) {
        target.textContent = "The chart could not be drawn.";
        console.error(err);
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
