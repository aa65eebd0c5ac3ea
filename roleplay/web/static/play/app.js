/* What the play page's panels call across each other, filled in by main.js: the socket,
 * the whole re-render and the tab switch. Kept here so that no panel imports main.js. */
import { sender } from "../connection.js";

export var app = {
  conn: null,
  render: function () {},
  selectTab: function () {},
};

/** Send a command (see connection.js `sender`), then re-render the page. */
export var send = sender(function () { return app.conn; }, function () { app.render(); });
