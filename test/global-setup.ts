/** Placeholder replaced by the database bootstrap (foundation issue). */
export default async function setup(): Promise<void> {}
