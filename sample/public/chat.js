/* The sample's browser client: plain ES2019, no build step. `io` comes from /socket.io/socket.io.min.js. */
/* global io, document, fetch */
(function () {
  'use strict';

  var EXPIRED_MESSAGE = 'Session expired — log in again';

  var current = null; // the socket.io socket in use, or null
  var refreshing = false;

  function element(id) {
    return document.getElementById(id);
  }

  function setStatus(text, kind) {
    var status = element('status');
    status.textContent = text;
    status.dataset.kind = kind || 'info';
  }

  function setOnline(online, label) {
    element('connection').textContent = label;
    ['message', 'send', 'refresh', 'disconnect'].forEach(function (id) {
      element(id).disabled = !online;
    });
  }

  function codeOf(payload) {
    return payload && payload.data && payload.data.code;
  }

  function loginRequest() {
    var body = { username: element('username').value, tenant: element('tenant').value };
    var ttl = element('ttl').value;
    if (ttl !== '') body.ttl = Number(ttl);
    return body;
  }

  /** POST /auth/login: the token comes back in the response body, never in a URL. */
  async function login() {
    var response = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(loginRequest()),
    });
    var answer = await response.json().catch(function () {
      return {};
    });
    if (!response.ok) throw new Error('Login failed (HTTP ' + response.status + '): ' + (answer.message || ''));
    element('token').value = answer.accessToken;
    return answer.accessToken;
  }

  function appendMessage(message) {
    var item = document.createElement('li');
    item.textContent = message.from + ': ' + message.text; // textContent: never parsed as HTML
    element('messages').appendChild(item);
  }

  function closeCurrent() {
    if (!current) return;
    var socket = current;
    current = null; // its own disconnect event is ignored from now on
    socket.close();
  }

  /** Handshake mode: the token travels in the `auth` payload of the CONNECT packet. */
  function connect(token) {
    closeCurrent();
    refreshing = false;
    var socket = io('/chat', { auth: { token: token }, reconnection: false, forceNew: true });
    current = socket;
    setStatus('Connecting…');
    setOnline(false, 'connecting');

    function on(event, handler) {
      socket.on(event, function () {
        if (socket === current) handler.apply(null, arguments);
      });
    }

    on('connect', function () {
      setOnline(true, 'online');
    });
    on('welcome', function (who) {
      setOnline(true, 'online as ' + who.sub + '@' + who.tenant);
      setStatus('Connected as ' + who.sub + '@' + who.tenant, 'ok');
    });
    on('connect_error', function (error) {
      closeCurrent(); // a refused socket is not retried: release its connection
      setOnline(false, 'offline');
      var code = codeOf(error);
      if (code) setStatus('Rejected: ' + code + ' (' + error.data.message + ')', 'error');
      else setStatus('Cannot connect: ' + error.message, 'error');
    });
    on('unauthorized', function (payload, ack) {
      if (typeof ack === 'function') ack(); // lets a `callback: N` server disconnect at once
      if (refreshing) return; // the refresh handles its own answer
      if (codeOf(payload) === 'token_expired') setStatus(EXPIRED_MESSAGE, 'error');
      else setStatus('Unauthorized: ' + codeOf(payload), 'error');
    });
    on('exception', function (payload) {
      setStatus('Refused: ' + (codeOf(payload) || payload.message), 'error');
    });
    on('disconnect', function (reason) {
      setOnline(false, 'offline (' + reason + ')');
    });
    on('message', appendMessage);
  }

  /** In-band refresh: `authenticate { token }` on the open socket; answered by `authenticated` or `unauthorized`. */
  function authenticate(socket, token) {
    return new Promise(function (resolve, reject) {
      function settle(outcome, value) {
        socket.off('authenticated', onAuthenticated);
        socket.off('unauthorized', onUnauthorized);
        socket.off('disconnect', onDisconnect);
        outcome(value);
      }
      function onAuthenticated() {
        settle(resolve);
      }
      function onUnauthorized(payload) {
        settle(reject, payload);
      }
      function onDisconnect() {
        settle(reject, new Error('Disconnected before the refresh was answered'));
      }
      socket.on('authenticated', onAuthenticated);
      socket.on('unauthorized', onUnauthorized);
      socket.on('disconnect', onDisconnect);
      socket.emit('authenticate', { token: token });
    });
  }

  async function refresh() {
    var socket = current;
    if (!socket || !socket.connected || refreshing) return;
    refreshing = true;
    setStatus('Refreshing…');
    try {
      await authenticate(socket, await login());
      setStatus('Refreshed: the open socket now uses the new token', 'ok');
    } catch (error) {
      var code = codeOf(error);
      setStatus(code ? 'Refresh refused: ' + code + ' (' + error.data.message + ')' : String(error.message), 'error');
    } finally {
      refreshing = false;
    }
  }

  element('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    setStatus('Logging in…');
    login().then(connect, function (error) {
      setStatus(error.message, 'error');
    });
  });
  element('connect').addEventListener('click', function () {
    connect(element('token').value.trim());
  });
  element('refresh').addEventListener('click', refresh);
  element('disconnect').addEventListener('click', function () {
    closeCurrent();
    setOnline(false, 'offline');
    setStatus('Disconnected.');
  });
  element('chat-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var input = element('message');
    if (!current || !current.connected || input.value.trim() === '') return;
    current.emit('message', input.value);
    input.value = '';
  });
})();
