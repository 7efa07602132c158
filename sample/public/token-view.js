/* Shows what a JWT carries: its decoded header and claims, and its remaining lifetime as a bar. Plain ES2019. */
/* global document, window, atob, TextDecoder */
(function () {
  'use strict';

  var TICK_MS = 250;
  var ticker = null;

  function element(id) {
    return document.getElementById(id);
  }

  /** One base64url JWT part to its JSON value, or null when it is not one. */
  function decodePart(part) {
    try {
      var base64 = part.replace(/-/g, '+').replace(/_/g, '/');
      var binary = atob(base64 + '==='.slice((base64.length + 3) % 4));
      var bytes = Uint8Array.from(binary, function (character) {
        return character.charCodeAt(0);
      });
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return null; // not base64url, or not JSON
    }
  }

  /** `{ header, claims }` of a compact JWT, decoded WITHOUT verifying it; null if it is not one. */
  function decode(token) {
    var parts = String(token || '').split('.');
    if (parts.length !== 3) return null;
    var header = decodePart(parts[0]);
    var claims = decodePart(parts[1]);
    if (!header || !claims || typeof header !== 'object' || typeof claims !== 'object') return null;
    return { header: header, claims: claims };
  }

  function localTime(seconds) {
    return new Date(seconds * 1000).toLocaleTimeString();
  }

  /** The claims as JSON, with `iat` and `exp` also as local times (a reader sees when, not only a number). */
  function claimsText(claims) {
    var text = JSON.stringify(claims, null, 2);
    var times = [];
    if (typeof claims.iat === 'number') times.push('iat: issued at ' + localTime(claims.iat));
    if (typeof claims.exp === 'number') times.push('exp: expires at ' + localTime(claims.exp));
    return times.length ? text + '\n\n' + times.join('\n') : text;
  }

  function showLifetime(claims) {
    var bar = element('lifetime');
    var label = element('lifetime-label');
    if (ticker) window.clearInterval(ticker);
    ticker = null;
    if (!claims || typeof claims.exp !== 'number') {
      bar.max = 1;
      bar.value = 0;
      bar.dataset.state = 'none';
      label.textContent = claims ? 'no exp claim: this token never expires' : 'no token';
      return;
    }
    var issued = typeof claims.iat === 'number' ? claims.iat : Math.floor(Date.now() / 1000);
    var total = Math.max(claims.exp - issued, 1);
    bar.max = total;
    function tick() {
      var left = Math.max(claims.exp - Date.now() / 1000, 0);
      bar.value = left;
      if (left > 0) {
        bar.dataset.state = left <= total / 5 ? 'ending' : 'valid';
        label.textContent = Math.ceil(left) + ' s left of ' + total + ' s';
        return;
      }
      bar.dataset.state = 'expired';
      label.textContent = 'expired at ' + localTime(claims.exp);
      window.clearInterval(ticker);
      ticker = null;
    }
    tick();
    if (bar.dataset.state !== 'expired') ticker = window.setInterval(tick, TICK_MS);
  }

  /** Renders the token beside its text: header, claims and the lifetime bar that counts down. */
  function show(token) {
    var jwt = decode(token);
    var notJwt = token ? 'Not a JWT: expected three base64url parts holding JSON' : '—';
    element('token-header').textContent = jwt ? JSON.stringify(jwt.header, null, 2) : notJwt;
    element('token-claims').textContent = jwt ? claimsText(jwt.claims) : '—';
    showLifetime(jwt && jwt.claims);
    return jwt;
  }

  window.TokenView = { decode: decode, show: show };
})();
