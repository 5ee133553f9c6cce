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
      }).then(function (result) {
        // the views, for scripts and tests that read a chart's data
        window.matequityViews = window.matequityViews || {};
        window.matequityViews[target.id] = result.view;
        // the figure's role="img" and aria-label, the alt text beside it and the
        // table view describe the chart: the drawing itself is hidden from
        // assistive technology rather than read mark by mark
        target.querySelectorAll("svg").forEach(function (svg) {
          svg.setAttribute("aria-hidden", "true");
          svg.setAttribute("focusable", "false");
        });
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
