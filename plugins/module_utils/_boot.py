# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions behind fleetops.docker_host.kernel_boot_info: kernels, the packages that bring them and
what the boot loader boots next.

Parsers take text (grub.cfg, grubenv, BLS entries, dpkg-query and rpm output) so the unit tests need no host;
the decisions (is the default right, which GRUB entry to save, is a reboot needed) take the parsed dicts.
Runs on Python 3.6+.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import os
import re
import shlex

from ansible_collections.fleetops.docker_host.plugins.module_utils._files import look_bytes

VMLINUZ = 'vmlinuz-'
# The one-shot trial entry kernel_ml writes to try kernel command-line arguments: GRUB's menu entry id (from the
# script in /etc/grub.d) or the title of grubby's copy on EL. Never a default, never a fallback.
TRIAL_ID = 'kernel_ml-trial'
TRIAL_TITLE = 'kernel_ml trial'
TRIAL_SCRIPT = '/etc/grub.d/42_kernel_ml_trial'
# A versioned kernel image package: linux-image-6.1.0-18-amd64, linux-image-unsigned-6.8.0-50-generic.
_VERSIONED_IMAGE = re.compile(r'^linux-image-(?:unsigned-)?(\d.*?)(?:-unsigned)?$')
_IMAGE = re.compile(r'^linux-image-')


# ---------------------------------------------------------------------------------------------- reading
# The look never fails on what it finds and never blocks: a FIFO, a directory or a device where GRUB's files or
# /proc/cmdline should be is read as missing (_files.look_bytes: opened without blocking, checked on the open
# descriptor; the collection's one reader of regular files).


def look_text(path, limit=None, default=None):
    """look_bytes as text: UTF-8, a byte that is not UTF-8 replaced by U+FFFD (results must be valid UTF-8)."""
    data = look_bytes(path, limit)
    return default if data is None else data.decode('utf-8', 'replace')


# ---------------------------------------------------------------------------------------------- versions

def _segments(text):
    return re.findall(r'\d+|[A-Za-z]+|~', text or '')


def rpmvercmp(left, right):
    """-1, 0 or 1, as rpm compares two version (or release) strings: digit runs numerically, alpha runs as text,
    a digit run newer than an alpha run, `~` older than anything, the longer string newer when all else ties."""
    if left == right:
        return 0
    a, b = _segments(left), _segments(right)
    while a or b:
        if a and a[0] == '~' or b and b[0] == '~':
            if not (a and a[0] == '~'):
                return 1
            if not (b and b[0] == '~'):
                return -1
            a, b = a[1:], b[1:]
            continue
        if not a or not b:
            return 1 if a else -1
        x, y = a.pop(0), b.pop(0)
        if x.isdigit() != y.isdigit():
            return 1 if x.isdigit() else -1
        if x.isdigit():
            x, y = int(x), int(y)
        if x != y:
            return 1 if x > y else -1
    return 0


def version_key(text):
    """Sort key for kernel releases: numbers as numbers ('6.12.9' after '6.1.0')."""
    return [(0, int(part), '') if part.isdigit() else (1, 0, part) for part in re.findall(r'\d+|[^\d.+~-]+', text or '')]


def kernel_of_image(path):
    """'6.1.0-18-amd64' from '/boot/vmlinuz-6.1.0-18-amd64' (or '/vmlinuz-...' on a separate /boot); '' otherwise."""
    base = os.path.basename((path or '').strip())
    return base[len(VMLINUZ):] if base.startswith(VMLINUZ) else ''


def installed_kernels(boot_files):
    """Kernel releases with an image in /boot (file names), oldest first; rescue images left out."""
    names = set()
    for name in boot_files:
        version = kernel_of_image(name)
        if version and '-rescue-' not in name and not version.endswith(('.hmac', '.old')):
            names.add(version)
    return sorted(names, key=version_key)


# ---------------------------------------------------------------------------------------------- packages

def parse_dpkg_depends(text):
    """Package names of a Depends field, alternatives flattened in order ('a (>= 1) | b, c' -> [a, b, c])."""
    names = []
    for clause in (text or '').split(','):
        for alternative in clause.split('|'):
            name = alternative.strip().split(' ', 1)[0].split('(', 1)[0].split(':', 1)[0].strip()
            if name and name not in names:
                names.append(name)
    return names


def parse_dpkg_query(text):
    """{'installed', 'version', 'depends'} from `dpkg-query -W -f='${Status}\\t${Version}\\t${Depends}\\n' PKG`."""
    line = (text or '').splitlines()[0] if (text or '').strip() else ''
    fields = line.split('\t')
    while len(fields) < 3:
        fields.append('')
    status, version, depends = fields[0], fields[1], fields[2]
    installed = status.split()[-1:] == ['installed']
    return {'installed': installed, 'version': version.strip() if installed else None,
            'depends': parse_dpkg_depends(depends) if installed else []}


def versioned_image(name):
    """The kernel release a versioned image package boots ('linux-image-6.1.0-18-amd64' -> '6.1.0-18-amd64')."""
    match = _VERSIONED_IMAGE.match(name or '')
    return match.group(1) if match else ''


def follow_apt(name, query, max_depth=4):
    """Follow an apt kernel metapackage to the kernel it installs.

    `query(package)` returns parse_dpkg_query's dict (or None for a package dpkg does not know).
    Debian: linux-image-amd64 -> linux-image-6.1.0-18-amd64; Ubuntu HWE goes two levels:
    linux-generic-hwe-24.04 -> linux-image-generic-hwe-24.04 -> linux-image-6.8.0-50-generic.
    Returns {'name', 'manager': 'apt', 'installed', 'version', 'chain', 'kernel'}.
    """
    first = query(name) or {'installed': False, 'version': None, 'depends': []}
    result = {'name': name, 'manager': 'apt', 'installed': first['installed'], 'version': first['version'],
              'chain': [name], 'kernel': ''}
    current, info = name, first
    for _level in range(max_depth):
        kernel = versioned_image(current)
        if kernel:
            result['kernel'] = kernel if info['installed'] else ''
            return result
        if not info['installed']:
            return result
        versioned = [dep for dep in info['depends'] if versioned_image(dep)]
        images = [dep for dep in info['depends'] if _IMAGE.match(dep)]
        nxt = (versioned or images or [None])[0]
        if nxt is None or nxt in result['chain']:
            return result
        result['chain'].append(nxt)
        current, info = nxt, query(nxt) or {'installed': False, 'version': None, 'depends': []}
    return result


def parse_rpm_query(text):
    """[(epoch, version, release, arch)] from `rpm -q --qf '%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n' PKG`
    ('package X is not installed' lines are left out)."""
    rows = []
    for line in (text or '').splitlines():
        fields = line.strip().split('\t')
        if len(fields) == 4 and fields[1][:1].isdigit():
            epoch = fields[0] if fields[0].isdigit() else '0'
            rows.append((epoch, fields[1], fields[2], fields[3]))
    return rows


def newest_rpm(rows):
    """The newest (epoch, version, release, arch) row by rpm's comparison, None without rows."""
    best = None
    for row in rows:
        if best is None:
            best = row
            continue
        for index in range(3):
            cmp = rpmvercmp(row[index], best[index]) if index else (int(row[0]) > int(best[0])) - (int(row[0]) < int(best[0]))
            if cmp:
                if cmp > 0:
                    best = row
                break
    return best


def rpm_package(name, text):
    """{'name', 'manager': 'rpm', 'installed', 'version', 'chain', 'kernel'}: kernel is the newest installed
    VERSION-RELEASE.ARCH, which is exactly `uname -r` for kernel, kernel-ml and kernel-lt."""
    best = newest_rpm(parse_rpm_query(text))
    kernel = '%s-%s.%s' % best[1:] if best else ''
    return {'name': name, 'manager': 'rpm', 'installed': best is not None, 'version': kernel or None,
            'chain': [name], 'kernel': kernel}


# ---------------------------------------------------------------------------------------------- GRUB

GRUBENV_HEADER = b'# GRUB Environment Block\n'
GRUBENV_SIZE = 1024


def grubenv_problem(data, path='grubenv'):
    """Why GRUB would not read the environment block DATA (bytes), or None when it is sound. GRUB checks the
    header and grub-editenv (and GRUB's save_env, which rewrites the block in place) works on 1024 bytes; a block
    GRUB rejects leaves saved_entry and next_entry unset, so GRUB boots entry 0 (or grub.cfg's plain default)."""
    if data is None:
        return '%s does not exist; GRUB sets no saved_entry or next_entry (grub-editenv %s create makes one)' % (path, path)
    if not data.startswith(GRUBENV_HEADER):
        return ('%s has no "# GRUB Environment Block" header; GRUB ignores it and boots entry 0. Recreate it: '
                'grub-editenv %s create, then set the default again' % (path, path))
    if len(data) != GRUBENV_SIZE:
        return ('%s is %d bytes, not GRUB\'s %d; GRUB does not read or save it reliably. Recreate it: grub-editenv %s '
                'create, then set the default again' % (path, len(data), GRUBENV_SIZE, path))
    return None


def parse_grubenv(text):
    """{name: value} of a GRUB environment block (`# GRUB Environment Block`, NAME=VALUE lines, '#' padding);
    also accepts `grub-editenv list` output. Backslash escapes (\\\\, \\n) are undone."""
    env = {}
    for line in (text or '').split('\n'):
        if not line or line.startswith('#') or '=' not in line:
            continue
        key, value = line.split('=', 1)
        env[key] = re.sub(r'\\(.)', lambda m: '\n' if m.group(1) == 'n' else m.group(1), value)
    return env


def _words(line):
    try:
        return shlex.split(line, comments=False, posix=True)
    except ValueError:
        return line.split()


def _menu_item(words, kind):
    title = words[1] if len(words) > 1 else ''
    item_id = None
    for index, word in enumerate(words[:-1]):
        if word in ('$menuentry_id_option', '${menuentry_id_option}', '--id'):
            item_id = words[index + 1]
        elif word.startswith('--id='):
            item_id = word[len('--id='):]
    item = {'kind': kind, 'title': title, 'id': item_id}
    if kind == 'submenu':
        item['children'] = []
    else:
        item.update(linux='', kernel='', args='', initrd='', body=[],
                    recovery='recovery' in (item_id or '') or '(recovery mode)' in title)
    return item


def parse_grub_cfg(text):
    """The parts of a grub.cfg that decide what boots.

    Returns {'items': [...], 'default': value of the last `set default=` that is not "${next_entry}" ('' when
    none), 'honors_next_entry': whether `set default="${next_entry}"` is there, 'blscfg': whether it loads BLS
    entries}. Items are menuentries ({'kind': 'menuentry', 'title', 'id', 'linux', 'kernel', 'args', 'initrd',
    'recovery', 'body': the entry's own lines}) and
    submenus ({'kind': 'submenu', 'title', 'id', 'children': [...]}), in menu order.
    """
    top = []
    stack = []  # open blocks: the item dict, or None for `function x {` and other brace blocks
    default = ''
    honors_next = False
    blscfg = False
    for raw in (text or '').splitlines():
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        words = _words(line)
        if not words:
            continue
        head = words[0]
        if head in ('menuentry', 'submenu') and words[-1] == '{':
            item = _menu_item(words, head)
            parents = [b for b in stack if b is not None]
            (parents[-1]['children'] if parents else top).append(item)
            stack.append(item)
            continue
        if words[-1] == '{':
            stack.append(None)
            continue
        if line == '}':
            if stack:
                stack.pop()
            continue
        entries = [b for b in stack if b is not None and b['kind'] == 'menuentry']
        if entries and stack[-1] is entries[-1]:
            # The entry's own lines, as grub.cfg has them: kernel_ml's trial entry copies them.
            entries[-1]['body'].append(line)
        if head in ('linux', 'linux16', 'linuxefi') and len(words) > 1:
            if entries and not entries[-1]['linux']:
                entries[-1]['linux'] = words[1]
                entries[-1]['kernel'] = kernel_of_image(words[1])
                entries[-1]['args'] = ' '.join(words[2:])
        elif head in ('initrd', 'initrd16', 'initrdefi') and len(words) > 1:
            if entries and not entries[-1]['initrd']:
                entries[-1]['initrd'] = words[1]
        elif head == 'set' and len(words) > 1 and words[1].startswith('default='):
            value = words[1][len('default='):]
            if value in ('${next_entry}', '$next_entry'):
                honors_next = True
            else:
                default = value
        elif head == 'blscfg':
            blscfg = True
    return {'items': top, 'default': default, 'honors_next_entry': honors_next, 'blscfg': blscfg}


def parse_bls_entry(name, text):
    """A Boot Loader Specification entry (/boot/loader/entries/<id>.conf) as a menuentry item."""
    fields = {}
    for line in (text or '').splitlines():
        parts = line.strip().split(None, 1)
        if len(parts) == 2 and not parts[0].startswith('#'):
            fields.setdefault(parts[0], parts[1].strip())
    entry_id = name[:-len('.conf')] if name.endswith('.conf') else name
    linux = fields.get('linux', '')
    return {'kind': 'menuentry', 'title': fields.get('title', entry_id), 'id': entry_id, 'linux': linux,
            'kernel': kernel_of_image(linux) or fields.get('version', ''), 'args': fields.get('options', ''),
            'initrd': fields.get('initrd', '').split(' ')[0], 'body': [], 'recovery': 'rescue' in entry_id}


def bls_items(entries):
    """BLS entries ({file name: text}) in GRUB's menu order: newest kernel first."""
    items = [parse_bls_entry(name, text) for name, text in entries.items()]
    return sorted(items, key=lambda item: (version_key(item['kernel']), item['id']), reverse=True)


def _matches(item, part, index):
    if part.isdigit():
        return int(part) == index
    return part in (item['id'], item['title'])


def resolve(items, selector):
    """(entry, path) a GRUB `default` selects: '' or a number (index), an id or a title, each level of a
    submenu joined by '>'. Like GRUB, a selector that names nothing bootable falls back to the first entry.
    path is the list of (index, item) walked; entry None when the menu is empty."""
    parts = [part.strip() or '0' for part in (selector or '').split('>')]
    level, path = items, []
    for part in parts:
        found = None
        for index, item in enumerate(level):
            if _matches(item, part, index):
                found = (index, item)
                break
        if found is None:
            break
        path.append(found)
        if found[1]['kind'] != 'submenu':
            return found[1], path
        level = found[1]['children']
    first = _first_entry(items)
    return first, ([(0, first)] if first else [])


def _first_entry(items):
    for item in items:
        if item['kind'] == 'menuentry':
            return item
        # GRUB's index 0 may be a submenu only when the menu starts with one; then nothing boots by itself.
        return None
    return None


def flatten(items, parent=None):
    """Every menuentry with 'path': its selector as grub-set-default takes it ('submenu-id>entry-id')."""
    rows = []
    for index, item in enumerate(items):
        name = item['id'] or item['title'] or str(index)
        selector = name if parent is None else parent + '>' + name
        if item['kind'] == 'submenu':
            rows.extend(flatten(item['children'], selector))
        else:
            row = dict(item)
            row['path'] = selector
            row['in_submenu'] = parent is not None
            rows.append(row)
    return rows


def is_trial(row):
    """Whether a menu entry is kernel_ml's one-shot trial entry (never saved as a default or a fallback)."""
    return row.get('id') == TRIAL_ID or (row.get('title') or '').startswith(TRIAL_TITLE)


def trial_entry(grub):
    """kernel_ml's trial entry in the menu: {'selector' (what grub-reboot takes: the GRUB id, or the BLS id on EL),
    'kernel', 'args', 'file' (the BLS file grubby wrote, '' for GRUB's)}; {} when there is none."""
    for row in flatten((grub or {}).get('_items') or []):
        if is_trial(row):
            bls_file = '' if row['id'] == TRIAL_ID else '/boot/loader/entries/%s.conf' % row['id']
            return {'selector': row['path'], 'kernel': row['kernel'], 'args': row['args'], 'file': bls_file}
    return {}


def parse_grubby_info(text):
    """The kernel command line in `grubby --info DEFAULT` output (its args="..." line), None without one."""
    for line in (text or '').splitlines():
        if line.startswith('args='):
            value = line[len('args='):].strip()
            return value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value
    return None


def default_args(grub, grubby_args=None):
    """The kernel command line of the default entry: grubby's answer where grubby gave one, else the grub.cfg or BLS
    entry GRUB boots by default; None when unknown."""
    if grubby_args is not None:
        return grubby_args
    if not grub:
        return None
    return _args_of(grub, grub['default']['path'])


def entry_to_save(items, kernel):
    """The selector grub-set-default should save to boot `kernel`, '' when no menu entry boots it.
    A kernel-specific entry (Debian's 'Advanced options' submenu) is preferred to the generic first entry
    (gnulinux-simple-*, which boots whichever kernel is newest), recovery entries are never chosen."""
    candidates = [row for row in flatten(items)
                  if row['kernel'] == kernel and not row['recovery'] and not is_trial(row)]
    specific = [row for row in candidates if not (row['id'] or '').startswith('gnulinux-simple-')]
    chosen = (specific or candidates or [None])[0]
    return chosen['path'] if chosen else ''


def grub_state(cfg_text, env_text, bls=None, bls_only=False):
    """What GRUB boots by default and next. `bls`: {file name: text} of /boot/loader/entries (EL8+), used
    when grub.cfg runs `blscfg`. `bls_only`: no grub.cfg could be read (EL8 on UEFI keeps it on the ESP), the menu is
    the BLS entries, and GRUB is taken to honour next_entry as every EL grub.cfg does.

    Returns {'cfg_default', 'saved_entry', 'next_entry', 'honors_next_entry', 'blscfg', 'submenus': [{id, title}],
    'entries': [{path, id, title, kernel, linux, recovery, in_submenu}], 'default': {selector, path, kernel, title},
    'next': {...}}. 'default' is what boots without a one-time next_entry; 'next' what the next boot selects.
    """
    cfg = parse_grub_cfg(cfg_text)
    if bls_only:
        cfg.update(blscfg=True, honors_next_entry=True, default='${saved_entry}')
    env = parse_grubenv(env_text)
    items = list(cfg['items'])
    if cfg['blscfg'] and bls:
        items = bls_items(bls) + items
    saved = env.get('saved_entry', '')
    next_entry = env.get('next_entry', '')
    cfg_default = cfg['default']
    default_selector = saved if cfg_default in ('${saved_entry}', '$saved_entry') else cfg_default

    def describe(selector):
        entry, path = resolve(items, selector)
        return {'selector': selector, 'path': '>'.join(item['id'] or item['title'] or str(i) for i, item in path),
                'title': entry['title'] if entry else '', 'kernel': entry['kernel'] if entry else '',
                'image': entry['linux'] if entry else ''}

    default = describe(default_selector)
    following = describe(next_entry) if (next_entry and cfg['honors_next_entry']) else dict(default)
    return {
        'cfg_default': cfg_default, 'saved_entry': saved, 'next_entry': next_entry,
        'honors_next_entry': cfg['honors_next_entry'], 'blscfg': cfg['blscfg'],
        'submenus': [{'id': item['id'], 'title': item['title']} for item in items if item['kind'] == 'submenu'],
        'entries': [dict((k, row[k]) for k in ('path', 'id', 'title', 'kernel', 'linux', 'args', 'initrd', 'recovery',
                                               'in_submenu'))
                    for row in flatten(items)],
        'default': default, 'next': following, '_items': items,
    }


# ---------------------------------------------------------------------------------------------- decisions

def boot_summary(grub, grubby_default):
    """{'manager', 'default_kernel', 'next_kernel', 'default_image'}: grubby's answer where grubby exists (EL),
    GRUB's own files otherwise. manager is how the default is set: grubby, grub-set-default or None."""
    if grubby_default is not None:
        kernel = kernel_of_image(grubby_default)
        following = kernel
        if grub and grub['next_entry'] and grub['honors_next_entry']:
            following = grub['next']['kernel']
        return {'manager': 'grubby', 'default_kernel': kernel, 'next_kernel': following,
                'default_image': grubby_default.strip() if kernel else ''}
    if grub is not None:
        kernel = grub['default']['kernel']
        return {'manager': 'grub-set-default', 'default_kernel': kernel, 'next_kernel': grub['next']['kernel'],
                'default_image': ('/boot/' + VMLINUZ + kernel) if kernel else ''}
    return {'manager': None, 'default_kernel': '', 'next_kernel': '', 'default_image': ''}


def _entry_for(boot, grub, kernel):
    """What makes `kernel` the default: grubby's /boot/vmlinuz-<kernel>, or a grub-set-default selector."""
    if not kernel:
        return ''
    if boot['manager'] == 'grubby':
        return '/boot/' + VMLINUZ + kernel
    if grub is not None:
        return entry_to_save(grub['_items'], kernel)
    return ''


def _args_of(grub, selector):
    """The kernel command line of the menu entry `selector` names (grub.cfg's linux line, a BLS entry's options),
    None when unknown."""
    if grub is None or not selector:
        return None
    for row in flatten(grub['_items']):
        if row['path'] == selector:
            return row.get('args', '')
    return None


def decide(running, wanted, boot, grub, installed):
    """What the role must do for `wanted`.

    {'wanted', 'image_present', 'default_ok', 'boot_entry' (what to set as default once `wanted` proved itself: a
    grub-set-default selector or grubby's /boot/vmlinuz-<version>), 'clear_next_entry' (a one-time next_entry would
    boot another kernel), 'reboot_needed', and for the one-shot boot: 'fallback' (the running kernel, which
    booted: the default while `wanted` is on trial), 'fallback_entry' (what makes it the default), 'fallback_ok'
    (the default entry boots it), 'once_entry' (the GRUB selector grub-reboot / grub2-reboot takes for `wanted`:
    a menu entry id or path, a BLS entry id on EL8+), 'once_args' (that entry's kernel command line, None when
    unknown), 'once_armed' (the next boot, and only it, boots `wanted`)}.
    """
    if not wanted:
        return {'wanted': '', 'image_present': False, 'default_ok': False, 'boot_entry': '',
                'clear_next_entry': False, 'reboot_needed': False, 'fallback': running,
                'fallback_entry': _entry_for(boot, grub, running), 'fallback_ok': boot['default_kernel'] == running,
                'once_entry': '', 'once_args': None, 'once_armed': False}
    clear_next = bool(grub and grub['next_entry'] and grub['honors_next_entry'] and boot['next_kernel'] != wanted)
    once_entry = entry_to_save(grub['_items'], wanted) if grub is not None else ''
    once_armed = bool(grub and grub['next_entry'] and grub['honors_next_entry'] and boot['next_kernel'] == wanted)
    return {
        'wanted': wanted,
        'image_present': wanted in installed,
        'default_ok': boot['default_kernel'] == wanted and not clear_next,
        'boot_entry': _entry_for(boot, grub, wanted),
        'clear_next_entry': clear_next,
        'reboot_needed': running != wanted,
        'fallback': running,
        'fallback_entry': _entry_for(boot, grub, running),
        'fallback_ok': boot['default_kernel'] == running,
        'once_entry': once_entry,
        'once_args': _args_of(grub, once_entry),
        'once_armed': once_armed,
    }


# ---------------------------------------------------------------------------------------------- apt sources

def _deb822_stanzas(text):
    stanza = {}
    key = None
    for line in (text or '').splitlines() + ['']:
        if not line.strip():
            if stanza:
                yield stanza
            stanza, key = {}, None
        elif line.startswith('#'):
            continue
        elif line[:1] in (' ', '\t') and key:
            stanza[key] += ' ' + line.strip()
        elif ':' in line:
            key, value = line.split(':', 1)
            key = key.strip().lower()
            stanza[key] = value.strip()


def source_has_suite(name, text, suite):
    """Whether an apt source file (one-line .list or deb822 .sources) enables `suite` for binary packages."""
    if name.endswith('.sources'):
        for stanza in _deb822_stanzas(text):
            enabled = stanza.get('enabled', 'yes').lower() not in ('no', 'false', '0')
            if enabled and 'deb' in stanza.get('types', '').split() and suite in stanza.get('suites', '').split():
                return True
        return False
    for raw in (text or '').splitlines():
        words = re.sub(r'\[[^\]]*\]', ' ', raw.split('#', 1)[0]).split()
        if len(words) >= 3 and words[0] == 'deb' and words[2] == suite:
            return True
    return False
