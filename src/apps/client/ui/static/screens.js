// Screens other than the ticket list and a ticket: settings today, and whatever plugs
// in later (administration, reports) as a module of its own. A screen registers a
// name (its address is #/name), a label for the navigation, who may see it, and how
// to build it:
//
//   registerScreen({ name: "reports", label: "Reports", order: 30,
//     visible: (app) => app.isStaffSomewhere(), create: (app, route) => new Reports(app) });
//
// The built view has `element`, `focus()`, optional `close()` and `title`.

const SCREENS = new Map();

export function registerScreen(screen) {
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(screen.name) || ["list", "ticket", "new"].includes(screen.name)) {
    throw new Error(`bad screen name ${screen.name}`);
  }
  SCREENS.set(screen.name, { order: 50, visible: () => true, ...screen });
}

export function screen(name) {
  return SCREENS.get(name) || null;
}

/** The screens `app` may show, in navigation order. */
export function visibleScreens(app) {
  return [...SCREENS.values()].filter((s) => s.visible(app)).sort((a, b) => a.order - b.order);
}
