// Finding one result in the published files (see data/README.md), with
// WebCrypto: the same derivation as the result-files crate, which a test
// runs under node against files the Rust side wrote. `fetchBytes(name)`
// resolves to the bytes of results/<name>, or null when there is none.
var TemujanjiResults = (function () {
  "use strict";
  var ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
  var TAG = 8, NONCE = 12;
  var encoder = new TextEncoder();

  /** "abcde 23456" → "ABCDE-23456"; null unless ten symbols of the alphabet. */
  function normaliseReference(typed) {
    var s = String(typed || "").replace(/[\s-]/g, "").toUpperCase();
    if (s.length !== 10) return null;
    for (var i = 0; i < s.length; i++) if (ALPHABET.indexOf(s[i]) < 0) return null;
    return s.slice(0, 5) + "-" + s.slice(5);
  }

  function hexBytes(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }

  async function label(master, what) {
    var key = await crypto.subtle.importKey("raw", master, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(what)));
  }

  /** The bucket, tag and key of reference + birth date (YYYY-MM-DD) under `manifest`. */
  async function derive(reference, birthDate, manifest) {
    var password = await crypto.subtle.importKey(
      "raw", encoder.encode(reference + "|" + birthDate), "PBKDF2", false, ["deriveBits"]);
    var master = await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt: hexBytes(manifest.salt), iterations: manifest.iterations },
      password, 256);
    var locate = await label(master, "locate");
    var bucket = (((locate[0] << 24) >>> 0) + (locate[1] << 16) + (locate[2] << 8) + locate[3]) % manifest.buckets;
    var key = await crypto.subtle.importKey("raw", await label(master, "key"), "AES-GCM", false, ["decrypt"]);
    return { bucket: bucket, tag: locate.slice(4, 4 + TAG), key: key };
  }

  function sameTag(bytes, at, tag) {
    for (var i = 0; i < TAG; i++) if (bytes[at + i] !== tag[i]) return false;
    return true;
  }

  /** The record `locator` opens in a bucket's bytes, or null. */
  async function open(bytes, locator, manifest) {
    var size = manifest.record_bytes;
    for (var at = 0; at + size <= bytes.length; at += size) {
      if (!sameTag(bytes, at, locator.tag)) continue;
      try {
        var plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: bytes.slice(at + TAG, at + TAG + NONCE), additionalData: locator.tag },
          locator.key, bytes.slice(at + TAG + NONCE, at + size));
        return JSON.parse(new TextDecoder().decode(plain));
      } catch (e) { /* the same tag under another key: look on */ }
    }
    return null;
  }

  /** The result of reference + birth date, or null: a wrong one of either looks the same. */
  async function lookup(reference, birthDate, fetchBytes) {
    var manifestBytes = await fetchBytes("manifest.json");
    if (!manifestBytes) {
      var missing = new Error("no published results");
      missing.code = "not_published";
      throw missing;
    }
    var manifest = JSON.parse(new TextDecoder().decode(manifestBytes));
    if (manifest.format !== "temujanji-results-1") throw new Error("unknown results format");
    var locator = await derive(reference, birthDate, manifest);
    var bytes = await fetchBytes(locator.bucket + ".bin");
    if (!bytes) throw new Error("bucket missing");
    return open(new Uint8Array(bytes), locator, manifest);
  }

  return { normaliseReference: normaliseReference, lookup: lookup };
})();
