// The reports' own script: sortable and filterable tables, and the Vega-Lite charts drawn from the
// specifications embedded in the page. No network: the chart libraries are inlined above it.
(function () {
  'use strict';
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  // A cell sorts by its data-sort value when it has one (the raw figure), else by its text.
  function key(cell) {
    var v = cell.hasAttribute('data-sort') ? cell.getAttribute('data-sort') : cell.textContent.trim();
    var n = Number(v);
    return v !== '' && isFinite(n) ? n : v.toLowerCase();
  }

  function compare(x, y) {
    if (typeof x !== typeof y) { x = String(x); y = String(y); }
    return x < y ? -1 : x > y ? 1 : 0;
  }

  each(document.querySelectorAll('table.sortable'), function (table) {
    var heads = table.tHead.rows[0].cells;
    each(heads, function (th, column) {
      th.tabIndex = 0;
      th.setAttribute('aria-sort', 'none');
      th.title = 'sort by ' + th.textContent.trim();
      var sort = function () {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        each(heads, function (other) { other.setAttribute('aria-sort', 'none'); });
        th.setAttribute('aria-sort', dir);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          return compare(key(a.cells[column]), key(b.cells[column])) * (dir === 'ascending' ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      };
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter') { sort(); } });
    });
  });

  // <div class="table-filter" data-table="ID">: a text box (any text of the row) and an optional
  // category list (the row's data-categories).
  each(document.querySelectorAll('.table-filter'), function (box) {
    var table = document.getElementById(box.getAttribute('data-table'));
    var text = box.querySelector('input');
    var category = box.querySelector('select');
    var shown = box.querySelector('.shown');
    var apply = function () {
      var q = text.value.trim().toLowerCase();
      var c = category ? category.value : '';
      var n = 0;
      each(table.tBodies[0].rows, function (row) {
        var cats = ' ' + (row.getAttribute('data-categories') || '') + ' ';
        var ok = (!q || row.textContent.toLowerCase().indexOf(q) >= 0) && (!c || cats.indexOf(' ' + c + ' ') >= 0);
        row.hidden = !ok;
        n += ok ? 1 : 0;
      });
      if (shown) { shown.textContent = n + ' of ' + table.tBodies[0].rows.length + ' shown'; }
    };
    text.addEventListener('input', apply);
    if (category) { category.addEventListener('change', apply); }
    apply();
  });

  // Draw every chart; data-charts on <body> says when all are drawn ("ready") or one failed.
  var failed = function (err) {
    document.body.setAttribute('data-charts', 'failed');
    console.error('a chart could not be drawn: ' + err);
  };
  try {
    var specs = JSON.parse(document.getElementById('signalos-charts').textContent);
    var drawn = Object.keys(specs).map(function (id) {
      var el = document.getElementById(id);
      return vegaEmbed(el, specs[id], { actions: false, renderer: 'svg' }).then(function () {
        el.setAttribute('data-rendered', 'true');
      });
    });
    Promise.all(drawn).then(function () { document.body.setAttribute('data-charts', 'ready'); }, failed);
  } catch (err) {
    failed(err);
  }
})();
