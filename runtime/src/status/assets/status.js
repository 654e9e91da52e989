/*
 * The status page: polls /status/data (read-only) and, with the admin token the operator
 * typed, loads /admin/insights and replays dead letters through the admin API, one at a time
 * or in bulk (filter, dry-run count, confirm, progress). The token stays in this tab's memory only.
 */
(function () {
  'use strict';
  var REFRESH_MS = 10000;
  /** Bulk replays run this many single replays at once: progress moves steadily and the runtime is not flooded. */
  var BULK_PARALLEL = 4;
  var BULK_FILTER_FIELDS = ['provider', 'kind', 'errorContains', 'from', 'to', 'limit'];
  var token = '';

  function $(id) { return document.getElementById(id); }
  function time(iso) { return iso ? new Date(iso).toLocaleString() : '—'; }
  function minuteLabel(at) { var d = new Date(at); return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0'); }
  function percent(value) { return Math.round(value * 100) + '%'; }
  function age(seconds) {
    if (seconds < 60) return seconds + ' s';
    if (seconds < 3600) return Math.round(seconds / 60) + ' min';
    return (seconds / 3600).toFixed(1) + ' h';
  }

  function row(tbody, cells) {
    var tr = document.createElement('tr');
    cells.forEach(function (cell) {
      var td = document.createElement('td');
      if (cell instanceof Node) td.appendChild(cell);
      else if (cell && typeof cell === 'object') { td.textContent = cell.text; td.className = cell.className; if (cell.span) td.colSpan = cell.span; }
      else td.textContent = cell === undefined ? '' : String(cell);
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
    return tr;
  }

  function chart(container, title, draw) {
    var box = document.createElement('div');
    box.className = 'chart';
    var heading = document.createElement('h3');
    heading.textContent = title;
    var body = document.createElement('div');
    box.appendChild(heading);
    box.appendChild(body);
    container.appendChild(box);
    draw(body);
  }

  function authorized(init) {
    init = init || {};
    init.headers = Object.assign({ authorization: 'Bearer ' + token }, init.headers || {});
    return init;
  }

  /**
   * An admin API call with the typed token: resolves with the JSON body of a 2xx and rejects
   * with an Error whose message a person can act on (token refused, the API's own error,
   * the runtime out of reach).
   */
  function admin(path, init) {
    return fetch(path, authorized(init)).then(
      function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.status === 401) throw new Error('the admin token was not accepted');
          if (!response.ok) throw new Error(body.error || 'HTTP ' + response.status);
          return body;
        });
      },
      function (error) { throw new Error('the runtime could not be reached (' + error.message + ')'); },
    );
  }

  function postJson(body) {
    return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  }

  function renderThroughput(sources) {
    var container = $('throughput');
    container.textContent = '';
    sources.forEach(function (source) {
      chart(container, source.source, function (element) {
        MiniCharts.bars(element, {
          title: source.source + ' per minute',
          labels: source.minutes.map(function (minute) { return minuteLabel(minute.at); }),
          series: [
            { name: 'accepted', values: source.minutes.map(function (minute) { return minute.received - minute.refused; }) },
            { name: 'refused', values: source.minutes.map(function (minute) { return minute.refused; }) },
          ],
          stacked: true,
        });
      });
    });
  }

  function renderTables(data) {
    var queues = $('queues').tBodies[0];
    queues.textContent = '';
    if (data.queues.length === 0) row(queues, [{ text: 'All queues are empty.', className: 'muted', span: 4 }]);
    data.queues.forEach(function (queue) { row(queues, [queue.destination, queue.lane, queue.depth, age(queue.oldestAgeSeconds)]); });

    var destinations = $('destinations').tBodies[0];
    destinations.textContent = '';
    data.destinations.forEach(function (destination) {
      row(destinations, [
        destination.name,
        destination.healthy ? { text: 'healthy', className: 'good' } : { text: 'failing', className: 'bad' },
        destination.deliveredLastHour,
        destination.failedLastHour,
        destination.consecutiveFailures,
        time(destination.lastDeliveredAt),
        time(destination.lastFailureAt),
      ]);
    });

    var deadLetters = $('dead-letters').tBodies[0];
    deadLetters.textContent = '';
    $('dead-letter-count').textContent = data.openDeadLetters > data.deadLetters.length
      ? '· the newest ' + data.deadLetters.length + ' of ' + data.openDeadLetters.toLocaleString()
      : '';
    if (data.deadLetters.length === 0) row(deadLetters, [{ text: 'No open dead letters.', className: 'muted', span: 7 }]);
    data.deadLetters.forEach(function (record) {
      var button = document.createElement('button');
      button.textContent = 'Replay';
      button.disabled = !token || !data.adminApi;
      button.title = token ? 'Queue this event again for ' + record.destination : 'Type the admin token first';
      button.dataset.id = record.id;
      button.addEventListener('click', function () { replay(record.id, button); });
      var tr = row(deadLetters, [time(record.lastFailedAt), record.provider, record.kind, record.destination, record.error, record.attempts, button]);
      tr.dataset.id = record.id;
    });
    suggest($('bulk-providers'), data.deadLetters.map(function (record) { return record.provider; }));
    suggest($('bulk-kinds'), data.deadLetters.map(function (record) { return record.kind; }));
  }

  /** The bulk form's suggestions: the values among the listed dead letters. */
  function suggest(datalist, values) {
    datalist.textContent = '';
    Array.from(new Set(values)).sort().forEach(function (value) {
      var option = document.createElement('option');
      option.value = value;
      datalist.appendChild(option);
    });
  }

  function replayRequest(id) {
    return admin('/admin/dead-letters/' + encodeURIComponent(id) + '/replay', { method: 'POST' });
  }

  function replay(id, button) {
    button.disabled = true;
    $('replay-status').textContent = 'Replaying ' + id + '…';
    replayRequest(id)
      .then(function () { $('replay-status').textContent = 'Replayed ' + id + ': queued again.'; })
      .catch(function (error) { $('replay-status').textContent = 'Replay of ' + id + ' failed: ' + error.message; })
      .then(refresh);
  }

  function renderInsights(insights) {
    var container = $('insights');
    container.textContent = '';
    var rates = function (rows) { return { labels: rows.map(function (r) { return r.key; }), series: [{ name: 'failure rate', values: rows.map(function (r) { return r.rate; }) }], format: percent }; };
    chart(container, 'Payment failure rate by gateway', function (el) { MiniCharts.bars(el, rates(insights.failureRate.byGateway)); });
    chart(container, 'Payment failure rate by payment method', function (el) { MiniCharts.bars(el, rates(insights.failureRate.byPaymentMethod)); });
    chart(container, 'Cancellations by hour of day (UTC)', function (el) {
      MiniCharts.bars(el, { labels: insights.cancellations.byHourOfDay.map(function (_, hour) { return String(hour); }), series: [{ name: 'cancellations', values: insights.cancellations.byHourOfDay }] });
    });
    chart(container, 'Cancellations by day of week', function (el) {
      MiniCharts.bars(el, { labels: insights.cancellations.byDayOfWeek.map(function (d) { return d.day; }), series: [{ name: 'cancellations', values: insights.cancellations.byDayOfWeek.map(function (d) { return d.count; }) }] });
    });
    chart(container, 'Fulfilment vs dead letters by payment method', function (el) {
      var rows = insights.fulfilment;
      MiniCharts.bars(el, {
        labels: rows.map(function (r) { return r.paymentMethod; }),
        series: [
          { name: 'fulfilled', values: rows.map(function (r) { return r.fulfilled; }) },
          { name: 'dead letters', values: rows.map(function (r) { return r.deadLettered; }) },
          { name: 'pending', values: rows.map(function (r) { return r.pending; }) },
        ],
        stacked: true,
      });
    });
    chart(container, 'Failed payments: what became of them', function (el) {
      var r = insights.recovery;
      MiniCharts.bars(el, { labels: ['recovered', 'canceled', 'open'], series: [{ name: 'failed payments', values: [r.recovered, r.canceled, r.open] }] });
    });
    var days = Array.from(new Set(insights.amounts.map(function (a) { return a.day; })));
    var currencies = Array.from(new Set(insights.amounts.map(function (a) { return a.currency; })));
    currencies.forEach(function (currency) {
      chart(container, 'Succeeded payments per day, ' + currency + ' (minor units)', function (el) {
        MiniCharts.lines(el, {
          labels: days,
          series: [{ name: currency, values: days.map(function (day) {
            var entry = insights.amounts.find(function (a) { return a.day === day && a.currency === currency; });
            return entry ? entry.minor : 0;
          }) }],
        });
      });
    });
  }

  function loadInsights() {
    if (!token) return;
    admin('/admin/insights?days=7')
      .then(function (insights) {
        $('insights-status').textContent = insights.events + ' events from ' + time(insights.from) + ' to ' + time(insights.to) + '.';
        renderInsights(insights);
      })
      .catch(function (error) { $('insights-status').textContent = 'Insights unavailable: ' + error.message; });
  }

  function refresh() {
    // With ops.auth: token the data needs the admin token too; without it the header is ignored.
    return fetch('/status/data', token ? authorized() : undefined)
      .then(function (response) {
        if (response.status === 401) throw new Error('type the admin token to read it');
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (data) {
        $('generated').textContent = '· ' + data.storage + ' · ' + time(data.generatedAt);
        renderThroughput(data.sources);
        renderTables(data);
        loadInsights();
        document.body.dataset.loaded = 'true';
      })
      .catch(function (error) { $('generated').textContent = '· status unavailable: ' + error.message; });
  }

  /*
   * Bulk replay: the admin API's dry run counts the open dead letters the filter matches;
   * on confirmation the page lists them and replays each through the single replay, so the
   * progress is real and every failure is named.
   */
  var bulk = { filter: null, running: false };

  function bulkStatus(text, state) {
    $('bulk-status').textContent = text;
    $('bulk-status').dataset.state = state;
  }

  /** The form's filter in the admin API's fields; the times typed are this browser's local time. */
  function bulkFilter() {
    var form = $('bulk-replay');
    var filter = {};
    BULK_FILTER_FIELDS.forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (!value) return;
      filter[name] = name === 'from' || name === 'to' ? new Date(value).toISOString() : value;
    });
    return filter;
  }

  function resetBulk() {
    bulk.filter = null;
    $('bulk-confirm').hidden = true;
  }

  function plural(count, one, many) { return count.toLocaleString() + ' ' + (count === 1 ? one : many); }

  function countBulk(event) {
    event.preventDefault();
    if (bulk.running) return;
    resetBulk();
    $('bulk-failures').textContent = '';
    $('bulk-progress').hidden = true;
    if (!token) return bulkStatus('Type the admin token first.', 'error');
    var filter = bulkFilter();
    bulkStatus('Counting…', 'counting');
    admin('/admin/dead-letters/replay', postJson(Object.assign({ dryRun: true }, filter)))
      .then(function (result) {
        if (result.matched === 0) return bulkStatus('No open dead letters match this filter.', 'none');
        bulk.filter = filter;
        bulkStatus(plural(result.matched, 'dead letter matches', 'dead letters match') + '. Nothing is replayed until you confirm.', 'counted');
        $('bulk-confirm-replay').textContent = 'Replay ' + plural(result.matched, 'dead letter', 'dead letters');
        $('bulk-confirm').hidden = false;
      })
      .catch(function (error) { bulkStatus('Count failed: ' + error.message, 'error'); });
  }

  function replayBulk() {
    var filter = bulk.filter;
    if (!filter || bulk.running) return;
    bulk.running = true;
    $('bulk-confirm').hidden = true;
    $('bulk-count').disabled = true;
    bulkStatus('Listing the matching dead letters…', 'running');
    var query = new URLSearchParams(Object.assign({ status: 'open' }, filter)).toString();
    admin('/admin/dead-letters?' + query)
      .then(function (body) { return replayEach(body.deadLetters.map(function (record) { return record.id; })); })
      .catch(function (error) { bulkStatus('Bulk replay failed: ' + error.message, 'error'); })
      .then(function () {
        bulk.running = false;
        bulk.filter = null;
        $('bulk-count').disabled = false;
        return refresh();
      });
  }

  /** Replays the ids, BULK_PARALLEL at a time, showing progress; ends with the counts and each failure. */
  function replayEach(ids) {
    if (ids.length === 0) return bulkStatus('No open dead letters match this filter any more.', 'none');
    var progress = $('bulk-progress');
    var failures = $('bulk-failures');
    var replayed = 0;
    var failed = 0;
    var next = 0;
    progress.max = ids.length;
    progress.value = 0;
    progress.hidden = false;
    var report = function () {
      progress.value = replayed + failed;
      bulkStatus('Replaying: ' + (replayed + failed) + ' of ' + ids.length + ' done (' + replayed + ' replayed, ' + failed + ' failed)…', 'running');
    };
    report();
    var worker = function () {
      if (next >= ids.length) return Promise.resolve();
      var id = ids[next++];
      return replayRequest(id)
        .then(function () { replayed++; }, function (error) {
          failed++;
          var item = document.createElement('li');
          item.textContent = id + ': ' + error.message;
          failures.appendChild(item);
        })
        .then(function () { report(); return worker(); });
    };
    var workers = [];
    for (var index = 0; index < Math.min(BULK_PARALLEL, ids.length); index++) workers.push(worker());
    return Promise.all(workers).then(function () {
      bulkStatus('Done: ' + replayed + ' replayed, ' + failed + ' failed, of ' + plural(ids.length, 'dead letter', 'dead letters') + '.', 'done');
    });
  }

  $('bulk-replay').addEventListener('submit', countBulk);
  // A count describes the filter it was made for: changing the filter asks for a new count.
  $('bulk-replay').addEventListener('input', function () { if (!bulk.running) resetBulk(); });
  $('bulk-confirm-replay').addEventListener('click', replayBulk);
  $('bulk-cancel').addEventListener('click', function () { resetBulk(); bulkStatus('Cancelled: nothing was replayed.', 'cancelled'); });

  $('token').addEventListener('change', function (event) { token = event.target.value.trim(); refresh(); });
  refresh();
  setInterval(refresh, REFRESH_MS);
})();
