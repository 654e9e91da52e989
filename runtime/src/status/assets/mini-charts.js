/*
 * mini-charts: bar and line charts as inline SVG, with no dependencies and no build step.
 *   MiniCharts.bars(element, { labels, series: [{ name, values }], stacked, format })
 *   MiniCharts.lines(element, { labels, series: [{ name, values }], format })
 * Each series takes the next colour; a legend is drawn when there is more than one.
 */
(function (global) {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
  var WIDTH = 600;
  var HEIGHT = 220;
  var PAD = { top: 12, right: 12, bottom: 34, left: 48 };

  function node(name, attributes, parent) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) { element.setAttribute(key, attributes[key]); });
    if (parent) parent.appendChild(element);
    return element;
  }

  function text(parent, x, y, content, anchor) {
    var label = node('text', { x: x, y: y, 'text-anchor': anchor || 'middle', class: 'mc-label' }, parent);
    label.textContent = content;
    return label;
  }

  /** A round maximum so the axis reads 0, max/2, max. */
  function niceMax(value) {
    if (value <= 0) return 1;
    var power = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= value) return steps[i] * power;
    return 10 * power;
  }

  function frame(element, options, max) {
    element.textContent = '';
    var svg = node('svg', { viewBox: '0 0 ' + WIDTH + ' ' + HEIGHT, class: 'mc-chart', role: 'img' }, element);
    if (options.title) node('title', {}, svg).textContent = options.title;
    var format = options.format || String;
    var plotHeight = HEIGHT - PAD.top - PAD.bottom;
    [0, 0.5, 1].forEach(function (fraction) {
      var y = PAD.top + plotHeight * (1 - fraction);
      node('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y, class: 'mc-grid' }, svg);
      text(svg, PAD.left - 6, y + 4, format(max * fraction), 'end');
    });
    var labels = options.labels;
    var every = Math.max(1, Math.ceil(labels.length / 12));
    var slot = (WIDTH - PAD.left - PAD.right) / Math.max(1, labels.length);
    labels.forEach(function (label, index) {
      if (index % every === 0) text(svg, PAD.left + slot * (index + 0.5), HEIGHT - PAD.bottom + 16, label);
    });
    if (options.series.length > 1) legend(element, options.series);
    return { svg: svg, slot: slot, y: function (value) { return PAD.top + plotHeight * (1 - value / max); }, base: PAD.top + plotHeight };
  }

  function legend(element, series) {
    var list = document.createElement('div');
    list.className = 'mc-legend';
    series.forEach(function (entry, index) {
      var item = document.createElement('span');
      var swatch = document.createElement('i');
      swatch.style.background = COLOURS[index % COLOURS.length];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(entry.name));
      list.appendChild(item);
    });
    element.appendChild(list);
  }

  function bars(element, options) {
    var series = options.series;
    var totals = options.labels.map(function (_, index) {
      return options.stacked
        ? series.reduce(function (sum, entry) { return sum + (entry.values[index] || 0); }, 0)
        : Math.max.apply(null, series.map(function (entry) { return entry.values[index] || 0; }));
    });
    var chart = frame(element, options, niceMax(Math.max.apply(null, totals.concat([0]))));
    var width = chart.slot * 0.8;
    options.labels.forEach(function (label, index) {
      var stackTop = chart.base;
      series.forEach(function (entry, s) {
        var value = entry.values[index] || 0;
        var x = PAD.left + chart.slot * index + chart.slot * 0.1 + (options.stacked ? 0 : (width / series.length) * s);
        var w = options.stacked ? width : width / series.length;
        var top = options.stacked ? stackTop - (chart.base - chart.y(value)) : chart.y(value);
        var bar = node('rect', { x: x, y: top, width: Math.max(1, w - 1), height: Math.max(0, (options.stacked ? stackTop : chart.base) - top), fill: COLOURS[s % COLOURS.length], class: 'mc-bar' }, chart.svg);
        node('title', {}, bar).textContent = entry.name + ' ' + label + ': ' + (options.format || String)(value);
        if (options.stacked) stackTop = top;
      });
    });
  }

  function lines(element, options) {
    var all = [0];
    options.series.forEach(function (entry) { all = all.concat(entry.values); });
    var chart = frame(element, options, niceMax(Math.max.apply(null, all)));
    options.series.forEach(function (entry, s) {
      var points = entry.values.map(function (value, index) {
        return (PAD.left + chart.slot * (index + 0.5)).toFixed(1) + ',' + chart.y(value || 0).toFixed(1);
      });
      var colour = COLOURS[s % COLOURS.length];
      node('polyline', { points: points.join(' '), fill: 'none', stroke: colour, 'stroke-width': 2, class: 'mc-line' }, chart.svg);
      // Dots, so a single day still shows.
      entry.values.forEach(function (value, index) {
        var dot = node('circle', { cx: PAD.left + chart.slot * (index + 0.5), cy: chart.y(value || 0), r: 3, fill: colour, class: 'mc-dot' }, chart.svg);
        node('title', {}, dot).textContent = entry.name + ' ' + options.labels[index] + ': ' + (options.format || String)(value || 0);
      });
    });
  }

  global.MiniCharts = { bars: bars, lines: lines };
})(window);
