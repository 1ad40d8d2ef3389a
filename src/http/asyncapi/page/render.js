// Renders /api/asyncapi.json with the AsyncAPI React component's standalone bundle, which
// this server serves from node_modules (nothing is loaded from another origin).
/* global document, AsyncApiStandalone */
AsyncApiStandalone.render(
  {
    schema: { url: "/api/asyncapi.json", requestOptions: { headers: { Accept: "application/json" } } },
    config: { show: { sidebar: true }, sidebar: { showOperations: "byDefault" } },
  },
  document.getElementById("asyncapi"),
);
