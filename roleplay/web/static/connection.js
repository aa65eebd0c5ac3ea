/* The socket (the Socket.IO client from static/vendor/, loaded before the modules as
 * window.io) and the command sender of a page. */
import { toast } from "./dom.js";
import { randomId } from "./format.js";
import { t } from "./i18n.js";

/**
 * Connect with `auth` (a function returning the auth object, so that a
 * reconnect sends the latest last_seq). handlers: {sync, events, view, view_patch, error,
 * ack, resync, kicked, status(connected: bool), refused(message)}.
 */
export function connect(authFn, handlers) {
  var socket = window.io({
    auth: function (cb) { cb(authFn()); },
    reconnectionDelay: 500,
    reconnectionDelayMax: 4000,
  });
  var pending = {};
  socket.on("connect", function () {
    if (handlers.status) handlers.status(true);
  });
  socket.on("disconnect", function () { if (handlers.status) handlers.status(false); });
  socket.on("connect_error", function (err) {
    if (handlers.status) handlers.status(false);
    var retry = err && err.data && err.data.retry_in;
    if (!socket.active && typeof retry === "number") {
      // reconnecting too often: the server says when to try again
      setTimeout(function () { socket.connect(); }, Math.min(retry, 30) * 1000);
      return;
    }
    // A refused credential: the server does not reconnect by itself.
    if (!socket.active && handlers.refused) handlers.refused(err && err.message);
  });
  ["sync", "events", "view", "view_patch", "resync", "kicked", "reseated"].forEach(function (name) {
    socket.on(name, function (data) { if (handlers[name]) handlers[name](data || {}); });
  });
  socket.on("ack", function (data) {
    var p = data && pending[data.client_id];
    if (p) { delete pending[data.client_id]; p.resolve(data); }
    if (handlers.ack) handlers.ack(data);
  });
  socket.on("error", function (data) {
    var p = data && data.client_id && pending[data.client_id];
    if (p) { delete pending[data.client_id]; p.reject(data); }
    else if (handlers.error) handlers.error(data || {});
  });
  return {
    socket: socket,
    /** Send a command; resolves on ack, rejects with {code, message} on error. */
    command: function (name, args) {
      var id = randomId();
      return new Promise(function (resolve, reject) {
        pending[id] = { resolve: resolve, reject: reject };
        socket.emit("command", { name: name, args: args || {}, client_id: id });
      });
    },
    sync: function (lastSeq) { socket.emit("sync", { last_seq: lastSeq || 0 }); },
  };
}

/** A small "reconnecting…" indicator driven by the socket's status. */
export function connIndicator(node) {
  var timer = null;
  return function (connected) {
    if (!node) return;
    if (connected) {
      clearTimeout(timer);
      timer = null;
      node.hidden = true;
      document.body.classList.remove("offline");
    } else if (!timer) {
      // do not flash on a quick reconnect
      timer = setTimeout(function () {
        node.hidden = false;
        document.body.classList.add("offline");
      }, 600);
    }
  };
}

/** A command sender for a page: disables the button meanwhile, toasts, then re-renders. */
export function sender(getConn, render) {
  return async function send(name, args, button, okText) {
    if (button) button.disabled = true;
    try {
      await getConn().command(name, args || {});
      if (okText) toast(okText, "ok");
      return true;
    } catch (err) {
      toast((err && err.message) || t("That did not work."), "bad");
      return false;
    } finally {
      if (button) button.disabled = false;
      render();
    }
  };
}
