"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.JwksKeySet = void 0;
const common_1 = require("@nestjs/common");
const jwt_socket_error_1 = require("./jwt-socket.error");
const jwt_socket_error_codes_1 = require("./jwt-socket.error-codes");
const jwt_socket_jwk_1 = require("./jwt-socket.jwk");
const jwt_socket_jwks_fetch_1 = require("./jwt-socket.jwks-fetch");
const jwt_socket_jwks_options_1 = require("./jwt-socket.jwks-options");
const jwt_socket_timeout_1 = require("./jwt-socket.timeout");
/**
 * The keys of one JWKS endpoint, fetched lazily and cached.
 *
 * - A cached key answers synchronously, with the same `VerificationKey` object every time.
 * - An unknown `kid` refetches the set at most once per `cooldown`; every lookup waiting meanwhile
 *   shares the one fetch in flight, so a flood of random kids costs the identity provider one request.
 * - Failed fetches obey the same cooldown; the last good keys keep serving (stale-if-error).
 * - After `cacheMaxAge` the set is fetched again on the next lookup, so rotated keys come and go
 *   without a restart.
 *
 * Reuse it in your own SecretProvider: `new JwksKeySet({ jwksUri }).getKey(header.kid, header.alg)`.
 */
class JwksKeySet {
    logger;
    now;
    settings;
    /** The URL without credentials or query, for logs. */
    label;
    shutdown = new AbortController();
    entries = [];
    byKid = new Map();
    fetchedAt;
    lastAttemptAt;
    lastAttemptFailed = false;
    inFlight;
    constructor(options, logger = new common_1.Logger('JwtSocketJwks'), now = Date.now) {
        this.logger = logger;
        this.now = now;
        this.settings = (0, jwt_socket_jwks_options_1.resolveJwksOptions)(options);
        const url = new URL(this.settings.jwksUri);
        this.label = `${url.origin}${url.pathname}`;
    }
    /** The key for a token's `kid` and `alg`, or an `UnauthorizedError` (`unknown_kid`, `jwks_unavailable`, `invalid_token`). */
    getKey(kid, alg) {
        if (kid !== undefined && typeof kid !== 'string') {
            throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.MALFORMED_TOKEN, 'The token kid is not a string');
        }
        if (this.isFresh()) {
            const cached = this.find(kid, alg);
            if (cached)
                return cached;
        }
        if (this.inFlight)
            return this.findAfter(this.inFlight, kid, alg, true);
        if (this.mayFetch())
            return this.findAfter(this.refresh(), kid, alg, true);
        return this.findOrRefuse(kid, alg, false);
    }
    /** Aborts a fetch in flight; lookups waiting for it answer `jwks_unavailable`. */
    close() {
        this.shutdown.abort();
    }
    isFresh() {
        return this.fetchedAt !== undefined && this.now() - this.fetchedAt < this.settings.cacheMaxAge;
    }
    mayFetch() {
        return this.lastAttemptAt === undefined || this.now() - this.lastAttemptAt >= this.settings.cooldown;
    }
    async findAfter(fetching, kid, alg, refetched) {
        await fetching;
        return this.findOrRefuse(kid, alg, refetched);
    }
    findOrRefuse(kid, alg, refetched) {
        const found = this.find(kid, alg);
        if (found)
            return found;
        if (this.fetchedAt === undefined || this.lastAttemptFailed) {
            throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.JWKS_UNAVAILABLE);
        }
        const description = `JWKS ${this.label}: unknown kid ${kid === undefined ? '(none)' : (0, jwt_socket_jwk_1.quote)(kid)}`;
        // A refetch happens at most once per cooldown, so that line cannot flood the logs; the others can.
        if (refetched)
            this.logger.warn(`${description} after a refetch`);
        else
            this.logger.debug?.(`${description} (refetch cooling down)`);
        throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.UNKNOWN_KID);
    }
    /**
     * The key published under `kid` that may verify `alg`. A token without `kid` gets the set's only
     * key for its `alg`. A known kid whose keys do not fit the `alg` is an algorithm mismatch.
     */
    find(kid, alg) {
        const candidates = kid === undefined ? this.entries : this.byKid.get(kid);
        if (!candidates || candidates.length === 0)
            return undefined;
        let match;
        for (const { verificationKey } of candidates) {
            if (!verificationKey.algorithms.includes(alg))
                continue;
            if (kid !== undefined)
                return verificationKey;
            if (match)
                throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.UNKNOWN_KID, 'The token has no kid and several keys match');
            match = verificationKey;
        }
        if (match || kid === undefined)
            return match;
        throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.INVALID_TOKEN, 'The token algorithm does not match its key');
    }
    refresh() {
        this.lastAttemptAt = this.now();
        const fetching = this.load().finally(() => {
            this.inFlight = undefined;
        });
        this.inFlight = fetching;
        return fetching;
    }
    /** Never rejects: the outcome is read from the state by the lookups that waited. */
    async load() {
        try {
            const document = await (0, jwt_socket_jwks_fetch_1.fetchJwks)(this.settings.jwksUri, this.settings.timeout, this.shutdown.signal);
            const entries = (0, jwt_socket_jwk_1.parseJwks)(document, (kid, reason) => this.logger.warn(`JWKS ${this.label}: skipped key kid=${(0, jwt_socket_jwk_1.quote)(kid)}: ${reason}`));
            this.install(entries);
            this.fetchedAt = this.now();
            this.lastAttemptFailed = false;
        }
        catch (error) {
            this.lastAttemptFailed = true;
            const keeping = this.entries.length > 0 ? `; keeping the ${this.entries.length} cached keys` : '';
            this.logger.warn(`JWKS ${this.label} unavailable: ${(0, jwt_socket_timeout_1.describeError)(error)}${keeping}`);
        }
    }
    install(entries) {
        const byKid = new Map();
        for (const entry of entries) {
            if (entry.kid === undefined)
                continue;
            const sameKid = byKid.get(entry.kid);
            if (sameKid)
                sameKid.push(entry);
            else
                byKid.set(entry.kid, [entry]);
        }
        this.entries = entries;
        this.byKid = byKid;
    }
}
exports.JwksKeySet = JwksKeySet;
