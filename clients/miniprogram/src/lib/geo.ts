// Distances from the resident to merchants, from wx.getLocation (GCJ-02, the coordinates Chinese maps and
// merchants' addresses use).

export interface Point {
  lat: number;
  lng: number;
}

const EARTH_RADIUS_M = 6_371_000;

/** Great-circle distance in metres. */
export function metresBetween(a: Point, b: Point): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(h));
}

/** Where the resident is, or null when they declined location or it failed: offers then show no distance. */
export function whereAmI(): Promise<Point | null> {
  return new Promise((resolve) => {
    wx.getLocation({
      type: "gcj02",
      success: (result) => resolve({ lat: result.latitude, lng: result.longitude }),
      fail: () => resolve(null),
    });
  });
}
