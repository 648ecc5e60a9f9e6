// Loaded without « defer », before the page is drawn: the menus' no-JavaScript fallback (open on
// hover) never applies to a page whose scripts are still loading — a cursor resting on the top
// bar would otherwise open a menu until portal.js runs.
document.documentElement.classList.add("js");
