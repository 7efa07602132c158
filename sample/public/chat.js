/* The sample's browser client: plain ES2019, no build step. `io` comes from /socket.io/socket.io.min.js. */
/* global io, document, fetch, window, TokenView */
(function () {
  'use strict';

  var EXPIRED_MESSAGE = 'Session expired (unauthorized: token_expired) — log in again';
  var MAX_EVENTS = 50;
  /** Refresh this long before `exp`, or at half the lifetime for a token shorter than a minute. */
  var REFRESH_AHEAD_MS = 30 * 1000;

  var current = null; // the socket.io socket in use, or null
  var me = null; // { sub, tenant } of the open session, from the server's welcome
  var refreshing = false;
  var refreshTimer = null;

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

  function describeRefusal(payload) {
    return codeOf(payload) + ' (' + payload.data.message + ')';
  }

  /** One line of the protocol log: `→` sent by this page, `←` received from the server. */
  function logEvent(text) {
    var events = element('events');
    var item = document.createElement('li');
    item.textContent = text;
    events.appendChild(item);
    while (events.children.length > MAX_EVENTS) events.removeChild(events.firstChild);
  }

  /** A new session starts empty: nothing said to, or seen by, the previous user or tenant stays on screen. */
  function clearSession() {
    element('messages').textContent = '';
    element('events').textContent = '';
  }

  /** The tenants come from the server's directory (GET /tenants): the page keeps no list of its own. */
  async function loadTenants() {
    var response = await fetch('/tenants');
    var tenants = await response.json();
    var options = element('tenants');
    var list = element('tenant-list');
    tenants.forEach(function (tenant) {
      var option = document.createElement('option');
      option.value = tenant.name;
      option.label = tenant.algorithm + ', verified with ' + tenant.verifiedWith;
      options.appendChild(option);
      var item = document.createElement('li');
      item.textContent = tenant.name + ': ' + tenant.algorithm + ' tokens, verified with ' + tenant.verifiedWith;
      list.appendChild(item);
    });
  }

  function formLogin() {
    return { username: element('username').value, tenant: element('tenant').value };
  }

  /** POST /auth/login: the token comes back in the response body, never in a URL. */
  async function login(who) {
    var body = { username: who.username, tenant: who.tenant };
    var ttl = element('ttl').value;
    if (ttl !== '') body.ttl = Number(ttl);
    var response = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    var answer = await response.json().catch(function () {
      return {};
    });
    if (!response.ok) throw new Error('Login failed (HTTP ' + response.status + '): ' + (answer.message || ''));
    showToken(answer.accessToken);
    return answer.accessToken;
  }

  function showToken(token) {
    element('token').value = token;
    TokenView.show(token);
  }

  /** Own messages and others' look different: `data-author` is `own` or `other`. */
  function appendMessage(message) {
    var own = me !== null && message.from === me.sub;
    var item = document.createElement('li');
    item.dataset.author = own ? 'own' : 'other';
    item.textContent = message.from + ': ' + message.text; // textContent: never parsed as HTML
    element('messages').appendChild(item);
  }

  function closeCurrent() {
    window.clearTimeout(refreshTimer);
    refreshTimer = null;
    if (!current) return;
    var socket = current;
    current = null; // its own disconnect event is ignored from now on
    me = null;
    socket.close();
  }

  /** Handshake mode: the token travels in the `auth` payload of the CONNECT packet. */
  function connect(token) {
    closeCurrent();
    clearSession();
    refreshing = false;
    TokenView.show(token);
    var socket = io('/chat', { auth: { token: token }, reconnection: false, forceNew: true });
    current = socket;
    logEvent('→ CONNECT /chat with auth { token }');
    setStatus('Connecting…');
    setOnline(false, 'connecting');

    function on(event, handler) {
      socket.on(event, function () {
        if (socket === current) handler.apply(null, arguments);
      });
    }

    on('connect', function () {
      logEvent('← connected');
      setOnline(true, 'online');
    });
    on('welcome', function (who) {
      me = who;
      logEvent('← welcome ' + who.sub + '@' + who.tenant);
      setOnline(true, 'online as ' + who.sub + '@' + who.tenant);
      setStatus('Connected as ' + who.sub + '@' + who.tenant, 'ok');
      scheduleRefresh(token);
    });
    on('connect_error', function (error) {
      closeCurrent(); // a refused socket is not retried: release its connection
      setOnline(false, 'offline');
      var code = codeOf(error);
      logEvent('← connect_error ' + (code ? describeRefusal(error) : error.message));
      if (code) setStatus('Rejected: ' + describeRefusal(error), 'error');
      else setStatus('Cannot connect: ' + error.message, 'error');
    });
    on('unauthorized', function (payload, ack) {
      if (typeof ack === 'function') ack(); // lets a `callback: N` server disconnect at once
      logEvent('← unauthorized ' + describeRefusal(payload));
      if (refreshing) return; // the refresh handles its own answer
      if (codeOf(payload) === 'token_expired') setStatus(EXPIRED_MESSAGE, 'error');
      else setStatus('Unauthorized: ' + describeRefusal(payload), 'error');
    });
    on('authenticated', function () {
      logEvent('← authenticated');
    });
    on('exception', function (payload) {
      setStatus('Refused: ' + (codeOf(payload) || payload.message), 'error');
    });
    on('disconnect', function (reason) {
      window.clearTimeout(refreshTimer);
      logEvent('← disconnect (' + reason + ')');
      setOnline(false, 'offline (' + reason + ')');
    });
    on('message', appendMessage);
  }

  /**
   * With "Refresh in-band before it expires" ticked, the page gets a new token shortly before `exp`
   * and sends it on the open socket; unticked, the server ends the session at `exp` (token_expired).
   */
  function scheduleRefresh(token) {
    window.clearTimeout(refreshTimer);
    var jwt = TokenView.decode(token);
    if (!jwt || typeof jwt.claims.exp !== 'number') return;
    var expiresAt = jwt.claims.exp * 1000;
    var lifetime = typeof jwt.claims.iat === 'number' ? expiresAt - jwt.claims.iat * 1000 : REFRESH_AHEAD_MS;
    var ahead = Math.min(REFRESH_AHEAD_MS, lifetime / 2);
    refreshTimer = window.setTimeout(
      function () {
        if (element('auto-refresh').checked && me) refresh({ username: me.sub, tenant: me.tenant }, true);
      },
      Math.max(expiresAt - ahead - Date.now(), 0),
    );
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
      logEvent('→ authenticate { token } (in-band refresh)');
      socket.emit('authenticate', { token: token });
    });
  }

  async function refresh(who, automatic) {
    var socket = current;
    if (!socket || !socket.connected || refreshing) return;
    refreshing = true;
    setStatus('Refreshing…');
    try {
      var token = await login(who);
      await authenticate(socket, token);
      setStatus(
        automatic
          ? 'Refreshed in-band before expiry: the open socket now uses the new token'
          : 'Refreshed: the open socket now uses the new token',
        'ok',
      );
      scheduleRefresh(token);
    } catch (error) {
      var code = codeOf(error);
      setStatus(code ? 'Refresh refused: ' + describeRefusal(error) : String(error.message), 'error');
    } finally {
      refreshing = false;
    }
  }

  element('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    // Leave the previous session first: a failed login must not leave it connected or on screen.
    closeCurrent();
    clearSession();
    setOnline(false, 'offline');
    setStatus('Logging in…');
    login(formLogin()).then(connect, function (error) {
      setStatus(error.message, 'error');
    });
  });
  element('connect').addEventListener('click', function () {
    connect(element('token').value.trim());
  });
  element('token').addEventListener('input', function () {
    TokenView.show(element('token').value.trim());
  });
  element('refresh').addEventListener('click', function () {
    refresh(formLogin(), false);
  });
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

  loadTenants().catch(function (error) {
    setStatus('Could not load the tenant list: ' + error.message, 'error');
  });
})();
