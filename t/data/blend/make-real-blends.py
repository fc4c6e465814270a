# make-real-blends.py - run by Blender (blender -b --python THIS -- OUT MODE) to
# save the .blend files of this folder; README gives the commands.
import bpy, sys
out = sys.argv[sys.argv.index("--") + 1]
mode = sys.argv[sys.argv.index("--") + 2]
bpy.ops.wm.read_factory_settings(use_empty=True)
if mode == "props":
    me = bpy.data.meshes.new("PropMesh")
    ob = bpy.data.objects.new("Prop", me)
    bpy.context.scene.collection.objects.link(ob)
    bpy.ops.wm.save_as_mainfile(filepath=out, compress=False)
    sys.exit(0)
bpy.ops.wm.save_as_mainfile(filepath=out, compress=False)
if mode == "linked":
    with bpy.data.libraries.load("//lib/props.blend", link=True, relative=True) as (src, dst):
        dst.objects = ["Prop"]
    for ob in dst.objects:
        bpy.context.scene.collection.objects.link(ob)
    bpy.ops.wm.save_as_mainfile(filepath=out, compress=True, relative_remap=True)
    sys.exit(0)
wood = bpy.data.images.new("wood", 4, 4)
wood.source = 'FILE'
wood.filepath = "//textures/wood.png"
mat = bpy.data.materials.new("Wood")
mat.use_nodes = True
tex = mat.node_tree.nodes.new("ShaderNodeTexImage")
tex.image = wood
me = bpy.data.meshes.new("Plank")
me.materials.append(mat)
ob = bpy.data.objects.new("Plank", me)
bpy.context.scene.collection.objects.link(ob)
skin = bpy.data.images.new("skin", 4, 4, tiled=True)
skin.filepath = "//textures/skin.<UDIM>.png"
skin.use_fake_user = True
decal = bpy.data.images.new("decal", 4, 4)
decal.pack()
decal.use_fake_user = True
bpy.ops.wm.save_as_mainfile(filepath=out, compress=(mode == "compressed"))
