#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs on the appliance's build host (a sandbox host made from the pre-installed
# layer): adds what a VM needs beyond the cloud's packages (a kernel, a boot
# loader, Node.js for Stackhouse, guest tools), then trims what no one reads.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# The boot loader goes on the disk image later, from outside: none on this host.
debconf-set-selections <<'SEL'
grub-pc grub-pc/install_devices multiselect
grub-pc grub-pc/install_devices_empty boolean true
SEL
# Held like the cloud's: the guest tools start at the VM's first boot, not here.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT

apt-get update -q
apt-get install -y -q --no-install-recommends \
  linux-image-amd64 grub-pc initramfs-tools \
  nodejs \
  open-vm-tools qemu-guest-agent \
  systemd-resolved systemd-timesyncd \
  e2fsprogs iputils-ping curl

# Trim: package lists and downloads, documentation (the licences stay), man pages, other locales.
apt-get clean
rm -rf /var/lib/apt/lists/* /usr/share/man/* /usr/share/info/*
find /usr/share/doc -type f ! -name copyright -delete
find /usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'en*' ! -name 'locale.alias' -exec rm -rf {} +
