/* Carrier's web console pages: confirmations, and the Queue page's live list and actions. Plain JavaScript, served
   from the admin bundle. Data from the server is put into the page as text (textContent), never as HTML. */
(function () {
  'use strict';
  var root = document.querySelector('.carrier');
  if (!root) {
    return;
  }
  var csrf = root.getAttribute('data-csrf');
  var base = root.getAttribute('data-root');

  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.getAttribute('data-confirm'))) {
        event.preventDefault();
      }
    });
  });

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    if (cls) {
      e.className = cls;
    }
    return e;
  }

  function row(cells) {
    var tr = el('tr');
    cells.forEach(function (c) {
      var td = el('td');
      if (c instanceof Node) {
        td.appendChild(c);
      } else {
        td.textContent = c === undefined || c === null ? '' : String(c);
      }
      tr.appendChild(td);
    });
    return tr;
  }

  function getJson(path) {
    return fetch(base + '/' + path, {headers: {'Accept': 'application/json'}, credentials: 'same-origin'})
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) {
            throw new Error(body.message || ('HTTP ' + r.status));
          }
          return body;
        });
      });
  }

  var queue = document.getElementById('carrier-queue');
  if (!queue) {
    return;
  }
  var filterForm = document.getElementById('queue-filter');
  var list = document.querySelector('#queue-list tbody');
  var summaryBox = document.getElementById('queue-summary');
  var detailBox = document.getElementById('queue-detail');
  var status = document.getElementById('queue-status');
  var messageBox = document.getElementById('queue-message');
  var selected = new Set();
  var shown = null;

  function say(text, ok) {
    messageBox.hidden = false;
    messageBox.textContent = text;
    messageBox.className = ok ? 'carrier-done' : 'carrier-refused';
  }

  function act(action, ids, domain) {
    var body = new URLSearchParams();
    body.append('action', action);
    ids.forEach(function (id) { body.append('id', id); });
    if (domain) {
      body.append('domain', domain);
    }
    body.append('csrf', csrf);
    return fetch(base, {method: 'POST', body: body, credentials: 'same-origin',
        headers: {'Accept': 'application/json', 'X-Carrier-CSRF': csrf}})
      .then(function (r) { return r.json(); })
      .then(function (answer) { say(answer.message, answer.ok); })
      .catch(function (e) { say('failed: ' + e.message, false); })
      .then(refresh);
  }

  function confirmed(button) {
    var question = button.getAttribute('data-confirm');
    return !question || window.confirm(question);
  }

  document.querySelectorAll('#queue-bulk [data-queue-action]').forEach(function (button) {
    button.addEventListener('click', function () {
      var action = button.getAttribute('data-queue-action');
      if (action !== 'retry-all' && selected.size === 0) {
        say('no message selected', false);
        return;
      }
      if (confirmed(button)) {
        act(action, action === 'retry-all' ? [] : Array.from(selected));
      }
    });
  });

  document.getElementById('queue-all').addEventListener('change', function (event) {
    list.querySelectorAll('input[type=checkbox]').forEach(function (box) {
      box.checked = event.target.checked;
      if (box.checked) { selected.add(box.value); } else { selected.delete(box.value); }
    });
  });

  filterForm.addEventListener('submit', function (event) {
    event.preventDefault();
    refresh();
  });
  filterForm.addEventListener('reset', function () { setTimeout(refresh, 0); });

  function renderSummary(s) {
    summaryBox.textContent = '';
    var states = ['pending', 'deferred', 'delivered', 'failed'];
    var t = el('table', null, 'tablelayout carrier-table carrier-counts');
    t.id = 'queue-counts';
    var head = el('tr');
    ['', 'messages', 'recipients'].forEach(function (h) { head.appendChild(el('th', h)); });
    t.appendChild(head);
    states.forEach(function (state) {
      var tr = row([state, s.messagesByState[state], s.recipientsByState[state]]);
      tr.setAttribute('data-state', state);
      t.appendChild(tr);
    });
    var held = row(['held', s.held, '']);
    held.setAttribute('data-state', 'held');
    t.appendChild(held);
    t.appendChild(row(['in the queue', s.messages, '']));
    summaryBox.appendChild(t);

    var d = el('table', null, 'tablelayout carrier-table carrier-counts');
    d.id = 'queue-domains';
    var dh = el('tr');
    ['domain', 'messages', 'waiting', 'deferred', ''].forEach(function (h) { dh.appendChild(el('th', h)); });
    d.appendChild(dh);
    if (s.domains.length === 0) {
      d.appendChild(row(['no destination domains', '', '', '', '']));
    }
    s.domains.forEach(function (domain) {
      var retry = el('button', 'Retry now');
      retry.type = 'button';
      retry.addEventListener('click', function () { act('retry-domain', [], domain.domain); });
      var tr = row([domain.domain, domain.messages, domain.waiting, domain.recipients.deferred, retry]);
      tr.setAttribute('data-domain', domain.domain);
      d.appendChild(tr);
    });
    summaryBox.appendChild(d);
  }

  function renderList(answer) {
    list.textContent = '';
    if (answer.messages.length === 0) {
      list.appendChild(row(['', 'No messages match.', '', '', '', '', '']));
    }
    var present = new Set();
    answer.messages.forEach(function (m) {
      present.add(m.id);
      var box = el('input');
      box.type = 'checkbox';
      box.value = m.id;
      box.checked = selected.has(m.id);
      box.addEventListener('change', function () {
        if (box.checked) { selected.add(m.id); } else { selected.delete(m.id); }
      });
      var link = el('a', m.id, 'queue-id');
      link.href = '#' + m.id;
      link.addEventListener('click', function (event) {
        event.preventDefault();
        showDetail(m.id);
      });
      var rcpts = m.recipients.map(function (r) { return r.address + ' (' + r.state + ')'; }).join(', ');
      var tr = row([box, link, m.age, m.from || '<>', rcpts, m.size, m.held ? 'held' : '']);
      tr.setAttribute('data-id', m.id);
      tr.lastChild.className = 'queue-held';
      list.appendChild(tr);
    });
    selected.forEach(function (id) { if (!present.has(id)) { selected.delete(id); } });
    status.textContent = answer.messages.length + ' of ' + answer.matching + ' matching shown; updated '
      + new Date().toLocaleTimeString();
  }

  function refresh() {
    var params = new URLSearchParams(new FormData(filterForm));
    return getJson('messages.json?' + params.toString())
      .then(function (answer) {
        renderSummary(answer.summary);
        renderList(answer);
        if (shown) {
          return showDetail(shown);
        }
      })
      .catch(function (e) { status.textContent = 'could not update: ' + e.message; });
  }

  function detailButton(label, action, id, question) {
    var b = el('button', label);
    b.type = 'button';
    b.setAttribute('data-detail-action', action);
    if (question) {
      b.setAttribute('data-confirm', question);
    }
    b.addEventListener('click', function () {
      if (confirmed(b)) {
        act(action, [id]);
      }
    });
    return b;
  }

  function showDetail(id) {
    shown = id;
    return getJson('message.json?id=' + encodeURIComponent(id)).then(function (m) {
      detailBox.textContent = '';
      detailBox.hidden = false;
      if (m.gone) {
        detailBox.appendChild(el('p', 'Message ' + id + ' is no longer in the queue (delivered, failed or deleted).'));
        shown = null;
        return;
      }
      detailBox.appendChild(el('h3', 'Message ' + m.id));
      var env = el('table', null, 'tablelayout carrier-table');
      [['Arrived', m.arrival + ' (' + m.age + ' ago)'], ['Sender', m.from || '<>'],
       ['MAIL parameters', Object.keys(m.parameters).map(function (k) { return k + '=' + m.parameters[k]; }).join(' ')],
       ['Size', m.size + ' bytes'], ['Held', m.held ? 'yes' : 'no']].forEach(function (pair) {
        var tr = el('tr');
        tr.appendChild(el('th', pair[0]));
        tr.appendChild(el('td', pair[1]));
        env.appendChild(tr);
      });
      detailBox.appendChild(env);
      var rt = el('table', null, 'tablelayout carrier-table');
      rt.id = 'queue-recipients';
      var rh = el('tr');
      ['Recipient', 'State', 'Attempts', 'Next attempt', 'Last reply', 'From'].forEach(function (h) { rh.appendChild(el('th', h)); });
      rt.appendChild(rh);
      m.recipients.forEach(function (r) {
        rt.appendChild(row([r.address, r.state, r.attempts, r.nextAttempt, r.lastReply, r.lastRemote]));
      });
      detailBox.appendChild(rt);
      var actions = el('p', null, 'carrier-row');
      actions.appendChild(detailButton(m.held ? 'Release' : 'Hold', m.held ? 'release' : 'hold', m.id));
      actions.appendChild(detailButton('Retry now', 'retry', m.id));
      actions.appendChild(detailButton('Delete', 'delete', m.id,
        'Delete message ' + m.id + '? It is not delivered and no bounce is sent.'));
      var close = el('button', 'Close');
      close.type = 'button';
      close.addEventListener('click', function () { shown = null; detailBox.hidden = true; });
      actions.appendChild(close);
      detailBox.appendChild(actions);
      detailBox.appendChild(el('h4', 'Header'));
      detailBox.appendChild(el('pre', m.header, 'carrier-header'));
    }).catch(function (e) { say('could not show ' + id + ': ' + e.message, false); });
  }

  /* Every 3 s, but never more than 1/20 of the time: listing a large queue reads it from disk, and the page must not
     keep the server busy. Nothing is fetched while the tab is hidden. */
  function loop() {
    var begun = Date.now();
    var done = document.hidden ? Promise.resolve() : refresh();
    done.then(function () {
      setTimeout(loop, Math.max(3000, 20 * (Date.now() - begun)));
    });
  }
  loop();
}());
