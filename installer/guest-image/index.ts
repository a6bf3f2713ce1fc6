// SPDX-License-Identifier: Apache-2.0
// The test guest image: a 14 MiB qcow2 made from Debian packages (cloud kernel,
// busybox-static, dropbear) that takes DHCP, reads its SSH key from the metadata
// service, prints `=== GUEST READY … ===` on the serial console and runs dropbear.
export { buildGuestImage, type GuestImage, type GuestImageOptions } from './build.ts'
export { defaultCacheDir, imageName } from './cache.ts'
export { GuestImageError } from './errors.ts'
export { hostPackages, ensurePackages } from './prereqs.ts'
export { guestFilesDir } from './rootfs.ts'
export { bootLocal, bootPackages, readyPattern, type LocalBootOptions, type LocalGuest } from './local-boot.ts'
export { serveMetadata, type MetadataOptions, type MetadataServer } from './metadata.ts'
