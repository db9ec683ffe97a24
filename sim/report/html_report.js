// SPDX-License-Identifier: GPL-2.0-only
//
// The HTML report's own script (embedded at build time; see
// docs/report.md): reads the data blob, has Chart.js draw the counters
// with the steps, checkpoints and kernel reports as marker series, and
// moves a slider through the checkpoints' pictures. `#checkpoint=N`
// (1-based) in the URL selects a checkpoint. What it drew is written into
// data- attributes (data-series-count on #chart, data-checkpoint on
// #picture) so that a headless browser test can read it from the DOM.
(function() {
'use strict';
var data = JSON.parse(document.getElementById('ksmsim-data').textContent);
var $ = function(id) {
  return document.getElementById(id);
};
var el = function(tag, text, cls) {
  var e = document.createElement(tag);
  if (text !== undefined)
    e.textContent = text;
  if (cls)
    e.className = cls;
  return e;
};
var ms = function(us) {
  return us / 1000;
};
var COLORS = [ '#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b' ];

document.title = 'ksmsim report: ' + data.scenario.name;
$('title').textContent = data.scenario.name + ' (' + data.scenario.file + ')';
$('result').textContent =
    data.result.toUpperCase() + ' (exit ' + data.exit_code + ') on kernel ' + data.kernel;
$('result').className = data.result === 'pass' ? 'pass' : 'fail';
$('scenario-text').textContent = data.scenario.text;

// The chart: a line per counter over virtual time; the markers as
// scatter series on the same axes.
var datasets = data.counters.map(function(name, i) {
  return {
    label : name,
    yAxisID : name === 'full_scans' ? 'scans' : 'pages',
    borderColor : COLORS[i],
    backgroundColor : COLORS[i],
    pointRadius : 0,
    borderWidth : 2,
    stepped : true,
    data : data.timeline.time_us.map(function(
        t, j) { return {x : ms(t), y : data.timeline.series[name][j]}; })
  };
});
var markers = function(label, style, color, items, text) {
  return {
    label : label,
    type : 'scatter',
    yAxisID : 'pages',
    pointStyle : style,
    pointRadius : 7,
    borderColor : color,
    backgroundColor : color,
    data : items.map(function(m) { return {x : ms(m.time_us), y : 0, text : text(m)}; })
  };
};
datasets.push(
    markers('steps', 'triangle', '#7f7f7f', data.steps,
            function(s) { return 'step ' + s.step + ' (line ' + s.line + '): ' + s.kind; }));
var cp = markers('checkpoints', 'rectRot', '#17becf', data.checkpoints, function(c) {
  return 'checkpoint ' + c.number + ': step ' + c.step + ' ' + c.kind +
         (c.expectation ? (c.expectation.ok ? ' held' : ' FAILED') : '');
});
cp.backgroundColor = data.checkpoints.map(function(
    c) { return c.expectation && !c.expectation.ok ? '#d62728' : '#17becf'; });
datasets.push(cp);
datasets.push(markers('oopses, warnings, detector reports', 'crossRot', '#d62728', data.events,
                      function(e) { return e.text; }));
var chart = new Chart($('chart-canvas'), {
  type : 'line',
  data : {datasets : datasets},
  options : {
    animation : false,
    responsive : true,
    maintainAspectRatio : false,
    parsing : true,
    interaction : {mode : 'nearest', intersect : false},
    scales : {
      x : {type : 'linear', title : {display : true, text : 'virtual time (ms)'}},
      pages : {
        type : 'linear',
        position : 'left',
        beginAtZero : true,
        title : {display : true, text : 'pages'}
      },
      scans : {
        type : 'linear',
        position : 'right',
        beginAtZero : true,
        grid : {drawOnChartArea : false},
        title : {display : true, text : 'full_scans'}
      }
    },
    plugins : {
      tooltip : {
        callbacks : {
          label : function(
              ctx) { return ctx.raw.text || (ctx.dataset.label + ': ' + ctx.parsed.y); }
        }
      }
    }
  }
});
var drawn = 0;
data.counters.forEach(function(name, i) {
  if (chart.getDatasetMeta(i).data.length > 0)
    drawn++;
});
$('chart').setAttribute('data-series-count', String(drawn));
$('chart').setAttribute('data-marker-count',
                        String(data.steps.length + data.checkpoints.length + data.events.length));

// The reports of the kernel, in order.
data.events.forEach(function(e) {
  $('events').appendChild(el('li', ms(e.time_us) + ' ms, step ' + e.step + ': ' + e.text, e.kind));
});
data.violations.forEach(function(
    v) { $('events').appendChild(el('li', 'invariant violated: ' + v, 'violation')); });
if (!$('events').children.length)
  $('events').appendChild(el('li', 'none'));

// The checkpoints: a table row each, and the slider over their pictures.
var rows = data.checkpoints.map(function(c, i) {
  var tr = el('tr');
  tr.appendChild(el('td', String(c.number)));
  tr.appendChild(el('td', String(c.step)));
  tr.appendChild(el('td', String(c.line)));
  tr.appendChild(el('td', c.kind + (c.label ? ' ' + c.label : '')));
  tr.appendChild(el('td', ms(c.time_us) + ' ms'));
  var e = c.expectation;
  tr.appendChild(el('td', e ? (e.ok ? 'held' : 'FAILED') : '', e ? (e.ok ? 'pass' : 'fail') : ''));
  tr.appendChild(el('td', e ? e.failures.join('\n') : ''));
  tr.addEventListener('click', function() { show(i); });
  $('checkpoint-rows').appendChild(tr);
  return tr;
});
var slider = $('slider');
slider.max = String(Math.max(0, data.checkpoints.length - 1));
function show(i) {
  var c = data.checkpoints[i];
  if (!c) {
    $('picture').textContent = 'no checkpoint';
    $('picture').setAttribute('data-checkpoint', '0');
    return;
  }
  slider.value = String(i);
  rows.forEach(function(r, j) { r.classList.toggle('selected', j === i); });
  $('slider-label').textContent = 'checkpoint ' + c.number + ' of ' + data.checkpoints.length +
                                  ': step ' + c.step + ' (line ' + c.line + ') ' + c.kind + ' at ' +
                                  ms(c.time_us) + ' ms';
  var p = $('picture');
  if (c.picture >= 0)
    p.innerHTML = data.pictures[c.picture];
  else
    p.textContent = c.picture_error || 'no picture';
  p.setAttribute('data-checkpoint', String(c.number));
  p.setAttribute('data-step', String(c.step));
}
slider.addEventListener('input', function() { show(Number(slider.value)); });
function fromHash() {
  var m = /checkpoint=(\d+)/.exec(location.hash);
  var n = m ? Number(m[1]) : 1;
  show(Math.min(Math.max(n, 1), data.checkpoints.length) - 1);
}
window.addEventListener('hashchange', fromHash);
fromHash();
document.body.setAttribute('data-ready', 'true');
})();
