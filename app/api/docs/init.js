// Starts Swagger UI on this server's OpenAPI document (a file, not an inline script, so
// the page's Content-Security-Policy can forbid inline code).
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: false,
});
