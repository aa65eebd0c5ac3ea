/* UI strings. Each string the page builds goes through `t` (or `ngettext`); the server's
 * `{msg, args}` texts too. Today these only substitute `%(name)s` placeholders in the
 * English source; a message catalog plugs in here. */

var PLACEHOLDER = /%\(([A-Za-z_][A-Za-z0-9_]*)\)s/g;

function substitute(msg, args) {
  if (!args) return msg;
  return msg.replace(PLACEHOLDER, function (whole, name) {
    return Object.prototype.hasOwnProperty.call(args, name) ? String(args[name]) : whole;
  });
}

/** The message in the page's language, with `%(name)s` replaced from `args`. */
export function t(msg, args) {
  return substitute(String(msg), args);
}

/** `singular` when n is 1, else `plural`, substituted as `t` does (`n` is an arg too). */
export function ngettext(singular, plural, n, args) {
  var all = Object.assign({ n: n }, args || {});
  return substitute(String(n === 1 ? singular : plural), all);
}
