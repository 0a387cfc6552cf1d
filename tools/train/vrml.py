"""Minimal VRML 2.0 (VRML97) reader for triangle meshes.

Reads every Shape / IndexedFaceSet reachable from the scene root (through Group, Transform, Switch, Anchor,
Collision, Billboard and Shape nodes), applies Transform nodes (translation, rotation, scale, center,
scaleOrientation), resolves DEF/USE, triangulates polygons as fans and returns one array of triangles
[T, 3, 3] (float64). Files may be gzip-compressed. Anything else in the file (materials, lights, viewpoints,
line/point sets, PROTOs) is ignored.

Written for the KiCad 3D library (kicad-packages3d), whose .wrl files are StepUp exports: flat lists of
Shape { geometry IndexedFaceSet { coord Coordinate { point [...] } coordIndex [...] } } plus a few files with
Group / Transform / Switch wrappers.
"""
import gzip
import math
import re

import numpy as np

_TOKEN = re.compile(r'[ \t\r\n,]*(?:#[^\n]*\n?[ \t\r\n,]*)*([\[\]{}]|"(?:[^"\\]|\\.)*"|[^ \t\r\n,\[\]{}#"]+)')
_NUMERIC_START = set('0123456789+-.')
_GROUPS = {'Group', 'Transform', 'Anchor', 'Collision', 'Billboard', 'Switch', 'LOD', 'Inline'}


class VRMLError(Exception):
    pass


class _Node:
    __slots__ = ('type', 'fields')

    def __init__(self, type_):
        self.type = type_
        self.fields = {}


class _Parser:
    def __init__(self, text):
        self.s = text
        self.pos = 0
        self.defs = {}

    def _next(self):
        m = _TOKEN.match(self.s, self.pos)
        if not m:
            return None
        self.pos = m.end()
        return m.group(1)

    def _peek(self):
        m = _TOKEN.match(self.s, self.pos)
        return m.group(1) if m else None

    def parse_scene(self):
        nodes = []
        while True:
            tok = self._peek()
            if tok is None:
                break
            if tok == 'PROTO' or tok == 'EXTERNPROTO':
                raise VRMLError('PROTO not supported')
            if tok == 'ROUTE':
                self._next(); self._next(); self._next(); self._next()
                continue
            node = self._node()
            if node is not None:
                nodes.append(node)
        return nodes

    def _node(self):
        tok = self._next()
        if tok == 'NULL':
            return None
        if tok == 'USE':
            name = self._next()
            return self.defs.get(name)
        name = None
        if tok == 'DEF':
            name = self._next()
            tok = self._next()
        node = _Node(tok)
        if name is not None:
            self.defs[name] = node
        if self._next() != '{':
            raise VRMLError('expected { after node type %r' % tok)
        while True:
            tok = self._next()
            if tok is None:
                raise VRMLError('unexpected end of file in %s' % node.type)
            if tok == '}':
                return node
            node.fields[tok] = self._value()

    def _value(self):
        """A field value: a bracketed array (numbers, strings or nodes), a node, or a run of scalar tokens."""
        tok = self._peek()
        if tok == '[':
            self._next()
            # Look at the first character after '[' to tell a numeric/string array from a node list.
            m = re.compile(r'[ \t\r\n,]*').match(self.s, self.pos)
            c = self.s[m.end():m.end() + 1]
            if c in _NUMERIC_START or c == ']' or c == '"':
                end = self.s.index(']', self.pos)
                raw = self.s[self.pos:end]
                self.pos = end + 1
                return ('array', raw)
            items = []
            while self._peek() != ']':
                n = self._node()
                if n is not None:
                    items.append(n)
            self._next()
            return ('nodes', items)
        if tok in ('DEF', 'USE', 'NULL'):
            return ('nodes', [n for n in [self._node()] if n is not None])
        # A node value is an identifier followed by '{'.
        save = self.pos
        self._next()
        if self._peek() == '{':
            self.pos = save
            return ('nodes', [self._node()])
        self.pos = save
        vals = []
        while True:
            t = self._peek()
            if t is None or not (t[0] in _NUMERIC_START or t in ('TRUE', 'FALSE') or t[0] == '"'):
                break
            vals.append(self._next())
        return ('scalars', vals)


def _floats(raw):
    return np.array(raw.replace(',', ' ').split(), dtype=np.float64)


def _scalars(node, name, default):
    v = node.fields.get(name)
    if v is None or v[0] != 'scalars' or not v[1]:
        return default
    return [float(x) for x in v[1]]


def _rot(axis_angle):
    x, y, z, a = axis_angle
    n = math.sqrt(x * x + y * y + z * z)
    if n == 0 or a == 0:
        return np.eye(3)
    x, y, z = x / n, y / n, z / n
    c, s, t = math.cos(a), math.sin(a), 1 - math.cos(a)
    return np.array([[t * x * x + c, t * x * y - s * z, t * x * z + s * y],
                     [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
                     [t * x * z - s * y, t * y * z + s * x, t * z * z + c]])


def _transform_matrix(node):
    """4x4 matrix of a VRML Transform: T * C * R * SR * S * SR^-1 * C^-1."""
    t = _scalars(node, 'translation', [0, 0, 0])
    r = _scalars(node, 'rotation', [0, 0, 1, 0])
    s = _scalars(node, 'scale', [1, 1, 1])
    so = _scalars(node, 'scaleOrientation', [0, 0, 1, 0])
    c = _scalars(node, 'center', [0, 0, 0])
    m = np.eye(4)
    sr = _rot(so)
    lin = _rot(r) @ sr @ np.diag(s) @ sr.T
    m[:3, :3] = lin
    m[:3, 3] = np.array(t) + np.array(c) - lin @ np.array(c)
    return m


def _children(node):
    out = []
    for key in ('children', 'level', 'choice'):
        v = node.fields.get(key)
        if v is not None and v[0] == 'nodes':
            out.extend(v[1])
    if node.type == 'Switch':
        which = int(_scalars(node, 'whichChoice', [-1])[0])
        return [out[which]] if 0 <= which < len(out) else []
    if node.type == 'LOD':
        return out[:1]
    return out


def _faceset_triangles(ifs, cache):
    key = id(ifs)
    if key in cache:
        return cache[key]
    tris = None
    coord = ifs.fields.get('coord')
    index = ifs.fields.get('coordIndex')
    if coord and coord[0] == 'nodes' and coord[1] and index and index[0] == 'array':
        pts_field = coord[1][0].fields.get('point')
        if pts_field and pts_field[0] == 'array':
            pts = _floats(pts_field[1])
            pts = pts[:len(pts) // 3 * 3].reshape(-1, 3)
            idx = _floats(index[1]).astype(np.int64)
            if len(idx) and idx[-1] != -1:
                idx = np.append(idx, -1)
            if len(idx) and len(pts):
                # Fan triangulation of each polygon: (first, previous, current) for every vertex past the second.
                is_end = idx == -1
                poly_id = np.concatenate([[0], np.cumsum(is_end)[:-1]])
                starts = np.flatnonzero(np.concatenate([[True], is_end[:-1]]))
                pos = np.arange(len(idx)) - starts[poly_id]
                sel = np.flatnonzero((~is_end) & (pos >= 2))
                a = idx[starts[poly_id[sel]]]
                b = idx[sel - 1]
                c = idx[sel]
                ok = (a >= 0) & (a < len(pts)) & (b >= 0) & (b < len(pts)) & (c >= 0) & (c < len(pts))
                tris = np.stack([pts[a[ok]], pts[b[ok]], pts[c[ok]]], axis=1)
    cache[key] = tris
    return tris


def _walk(nodes, matrix, out, cache):
    for node in nodes:
        if node is None:
            continue
        if node.type == 'Shape':
            g = node.fields.get('geometry')
            if g and g[0] == 'nodes' and g[1] and g[1][0] is not None and g[1][0].type == 'IndexedFaceSet':
                tris = _faceset_triangles(g[1][0], cache)
                if tris is not None and len(tris):
                    flat = tris.reshape(-1, 3) @ matrix[:3, :3].T + matrix[:3, 3]
                    out.append(flat.reshape(-1, 3, 3))
        elif node.type in _GROUPS:
            m = matrix @ _transform_matrix(node) if node.type == 'Transform' else matrix
            _walk(_children(node), m, out, cache)


def read_triangles(path):
    """All triangles of a .wrl (or .wrl.gz) file as float64 [T, 3, 3], in file units."""
    with open(path, 'rb') as f:
        head = f.read(2)
    opener = gzip.open if head == b'\x1f\x8b' else open
    with opener(path, 'rb') as f:
        text = f.read().decode('utf-8', errors='replace')
    if not text.startswith('#VRML V2.0'):
        raise VRMLError('not a VRML 2.0 file')
    nodes = _Parser(text).parse_scene()
    out = []
    _walk(nodes, np.eye(4), out, {})
    if not out:
        return np.zeros((0, 3, 3))
    return np.concatenate(out, axis=0)
